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
    // The machine's figures, and beside them the job's attributed share where it was measured.
    const bool attributed = s.attribution.has_value();
    out += fmt::format("  {:<12} {:<7} {:<17} {:>12} {:>10} {:>10}{}\n", "component", "source", "kind",
                       fmt::format("energy [{}]", unit.symbol), "mean [W]", "idle [W]",
                       attributed ? fmt::format(" {:>12} {:>6}", fmt::format("job [{}]", unit.symbol), "share") : "");
    for (const auto& c : s.components) {
        std::string job;
        if (attributed && c.attributed)
            job = fmt::format(" {:>12} {:>5.0f}%", units::format_significant(c.attributed->energy_j / unit.joules_per_unit),
                              100.0 * c.attributed->share);
        out += fmt::format("  {:<12} {:<7} {:<17} {:>12} {:>10} {:>10}{}{}\n", c.name, c.source, record::to_string(c.kind),
                           units::format_significant(c.gross_j / unit.joules_per_unit), units::format_significant(c.mean_power_w),
                           units::format_significant(c.baseline_power_w), job,
                           c.summed ? "" : fmt::format("  (inside {})", c.contained_in));
    }
    std::string attribution_line;
    if (s.attribution) {
        const auto& a = *s.attribution;
        const auto line = units::energy_unit_for({a.machine_j, a.attributed_j, a.others_and_idle_j});
        attribution_line = fmt::format(
            "  {}job's own share (attributed: {}): {} +/- {} of the machine's {} gross; {:.0f} % of its busy CPU time "
            "({:.2f} of {:.2f} CPU-s); other tenants + idle: {}\n",
            a.headline ? "headline: " : "", a.method, units::format_energy_in(a.attributed_j, line),
            units::format_energy_in(a.uncertainty_j, line), units::format_energy_in(a.machine_j, line), 100.0 * a.cpu_share,
            a.job_cpu_s, a.machine_busy_cpu_s, units::format_energy_in(a.others_and_idle_j, line));
    }
    // On a shared machine, or after a busy baseline, the job's own share leads.
    if (s.attribution && s.attribution->headline) out += attribution_line;
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
    if (s.attribution && !s.attribution->headline) out += attribution_line;
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
        out += fmt::format("  {:<24} {:>9} {:>11} {:>11}{}  metrics\n", "phase", "[s]", fmt::format("gross [{}]", pu.symbol),
                           fmt::format("net [{}]", pu.symbol), attributed ? fmt::format(" {:>11}", fmt::format("job [{}]", pu.symbol)) : "");
        for (const auto& p : s.phases) {
            std::string metrics;
            for (const auto& [name, value] : p.metrics) metrics += fmt::format("{}={} ", name, units::format_significant(value));
            const std::string job = attributed && p.attributed_j
                                        ? fmt::format(" {:>11}", units::format_significant(*p.attributed_j / pu.joules_per_unit))
                                        : (attributed ? fmt::format(" {:>11}", "-") : "");
            out += fmt::format("  {:<24} {:>9} {:>11} {:>11}{}  {}\n", std::string(2 * p.depth, ' ') + p.name,
                               units::format_significant(p.end_s - p.start_s), units::format_significant(p.gross_j / pu.joules_per_unit),
                               units::format_significant(p.net_j / pu.joules_per_unit), job, metrics);
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
    if (q.baseline_not_idle && s.baseline_idleness)
        out += fmt::format("  data quality: the idle baseline was NOT idle: CPUs {:.0f} % busy (sd {:.0f} %), {:.2f} CPU-s of "
                           "other processes\n",
                           100.0 * s.baseline_idleness->cpu_util_mean, 100.0 * s.baseline_idleness->cpu_util_sd,
                           s.baseline_idleness->busy_cpu_s);
    if (q.counter_wraps || q.read_errors || q.gaps || q.counter_resets || q.control_errors || q.events_dropped)
        out += fmt::format("  data quality: {} counter wraps, {} read errors, {} gaps, {} resets, {} bad control lines, "
                           "{} events dropped (over the limits)\n",
                           q.counter_wraps, q.read_errors, q.gaps, q.counter_resets, q.control_errors, q.events_dropped);
    for (const auto& note : notes) out += "  note: " + note + "\n";
    for (const auto& note : s.notes) out += "  note: " + note + "\n";
    return out;
}

}  // namespace powerml::cli
