#include "text_summary.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "powerml/core/units.hpp"

namespace powerml::cli {

using units::format_duration;
using units::format_energy;

std::string text_summary(const record::RunRecord& record, const std::vector<std::string>& notes) {
    const auto& s = record.summary;
    std::string command;
    for (const auto& part : record.command) command += (command.empty() ? "" : " ") + part;
    std::string out = fmt::format("\npowerml: '{}' ran {} (exit {}), {} samples every {}; run {}\n", command,
                                  format_duration(s.duration_s), record.exit_status, s.samples,
                                  format_duration(s.interval_s), record.id);
    // One unit per column: the largest energy in the table decides it.
    double largest = s.gross_j;
    for (const auto& c : s.components) largest = std::max(largest, std::fabs(c.gross_j));
    const units::EnergyUnit unit = units::energy_unit_for_max(largest);
    out += fmt::format("  {:<12} {:<7} {:<17} {:>12} {:>10} {:>10}\n", "component", "source", "kind",
                       fmt::format("energy [{}]", unit.symbol), "mean [W]", "idle [W]");
    for (const auto& c : s.components) {
        out += fmt::format("  {:<12} {:<7} {:<17} {:>12} {:>10} {:>10}{}\n", c.name, c.source, record::to_string(c.kind),
                           units::format_significant(c.gross_j / unit.joules_per_unit), units::format_significant(c.mean_power_w),
                           units::format_significant(c.baseline_power_w), c.summed ? "" : fmt::format("  (inside {})", c.contained_in));
    }
    if (s.baseline_s > 0) {
        const auto line = units::energy_unit_for({s.gross_j, s.baseline_j, s.net_j});
        out += fmt::format("  energy: {} gross - {} idle baseline ({} W idle, measured for {}) = {} net +/- {}\n",
                           units::format_energy_in(s.gross_j, line), units::format_energy_in(s.baseline_j, line),
                           units::format_significant(s.duration_s > 0 ? s.baseline_j / s.duration_s : 0.0),
                           format_duration(s.baseline_s), units::format_energy_in(s.net_j, line),
                           units::format_energy_in(s.uncertainty_j, line));
    } else {
        const auto line = units::energy_unit_for({s.gross_j});
        out += fmt::format("  energy: {} gross +/- {} (no idle baseline: use --baseline SECONDS)\n",
                           units::format_energy_in(s.gross_j, line), units::format_energy_in(s.uncertainty_j, line));
    }
    if (record.wall_corrected) {
        const auto& w = *record.wall_corrected;
        const auto line = units::energy_unit_for({w.gross_j, w.net_j});
        out += fmt::format("  at the wall (estimate): {} gross, {} net; {}\n", units::format_energy_in(w.gross_j, line),
                           units::format_energy_in(w.net_j, line), w.label);
    }
    if (s.usage.cpu_util_mean)
        out += fmt::format("  usage: CPU {:.0f} % of the machine", 100.0 * *s.usage.cpu_util_mean);
    if (s.usage.process_cpu_s) out += fmt::format(", job's process tree {:.2f} CPU-s", *s.usage.process_cpu_s);
    if (s.usage.mem_used_max_b) out += fmt::format(", memory up to {:.2f} GB", *s.usage.mem_used_max_b / 1e9);
    if (s.usage.cpu_util_mean) out += "\n";
    if (!s.phases.empty()) {
        double phase_largest = 0;
        for (const auto& p : s.phases) phase_largest = std::max({phase_largest, std::fabs(p.gross_j), std::fabs(p.net_j)});
        const units::EnergyUnit pu = units::energy_unit_for_max(phase_largest);
        out += fmt::format("  {:<24} {:>9} {:>11} {:>11}  metrics\n", "phase", "[s]", fmt::format("gross [{}]", pu.symbol),
                           fmt::format("net [{}]", pu.symbol));
        for (const auto& p : s.phases) {
            std::string metrics;
            for (const auto& [name, value] : p.metrics) metrics += fmt::format("{}={} ", name, units::format_significant(value));
            out += fmt::format("  {:<24} {:>9} {:>11} {:>11}  {}\n", std::string(2 * p.depth, ' ') + p.name,
                               units::format_significant(p.end_s - p.start_s), units::format_significant(p.gross_j / pu.joules_per_unit),
                               units::format_significant(p.net_j / pu.joules_per_unit), metrics);
        }
    }
    const auto& carbon = record.carbon;
    if (carbon.g_co2e) {
        out += fmt::format("  carbon: {} +/- {} in {}, charged on the {} ({}; PUE {})\n",
                           units::format_mass_co2e(*carbon.g_co2e), units::format_mass_co2e(carbon.g_co2e_uncertainty),
                           carbon.zone.value_or("?"), record::describe(carbon.basis), carbon.intensity_source,
                           units::format_significant(carbon.pue, 3));
    } else {
        out += "  carbon: not computed (" + carbon.intensity_source + ")\n";
    }
    const auto& q = s.quality;
    if (q.counter_wraps || q.read_errors || q.gaps || q.counter_resets || q.control_errors || q.events_dropped)
        out += fmt::format("  data quality: {} counter wraps, {} read errors, {} gaps, {} resets, {} bad control lines, "
                           "{} events dropped (over the limits)\n",
                           q.counter_wraps, q.read_errors, q.gaps, q.counter_resets, q.control_errors, q.events_dropped);
    for (const auto& note : notes) out += "  note: " + note + "\n";
    for (const auto& note : s.notes) out += "  note: " + note + "\n";
    return out;
}

}  // namespace powerml::cli
