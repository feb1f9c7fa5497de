#include "text_summary.hpp"

#include <fmt/format.h>

#include "powerml/core/units.hpp"

namespace powerml::cli {

using units::format_duration;
using units::format_energy;

std::string text_summary(const store::RunRecord& record, const std::vector<std::string>& notes) {
    const auto& s = record.summary;
    std::string command;
    for (const auto& part : record.command) command += (command.empty() ? "" : " ") + part;
    std::string out = fmt::format("\npowerml: '{}' ran {} (exit {}), {} samples every {}; run {}\n", command,
                                  format_duration(s.duration_s), record.exit_status, s.samples,
                                  format_duration(s.interval_s), record.id);
    out += fmt::format("  {:<12} {:<7} {:<17} {:>11} {:>10} {:>10}\n", "component", "source", "kind", "energy", "mean W",
                       "idle W");
    for (const auto& c : s.components) {
        out += fmt::format("  {:<12} {:<7} {:<17} {:>11} {:>10.2f} {:>10.2f}{}\n", c.name, c.source, c.kind,
                           format_energy(c.gross_j), c.mean_power_w, c.baseline_power_w,
                           c.summed ? "" : fmt::format("  (inside {})", c.contained_in));
    }
    if (s.baseline_s > 0) {
        out += fmt::format("  energy: {} gross - {} idle baseline ({:.2f} W idle, measured for {}) = {} net +/- {}\n",
                           format_energy(s.gross_j), format_energy(s.baseline_j),
                           s.duration_s > 0 ? s.baseline_j / s.duration_s : 0.0, format_duration(s.baseline_s),
                           format_energy(s.net_j), format_energy(s.uncertainty_j));
    } else {
        out += fmt::format("  energy: {} gross +/- {} (no idle baseline: use --baseline SECONDS)\n", format_energy(s.gross_j),
                           format_energy(s.uncertainty_j));
    }
    if (record.wall_corrected)
        out += fmt::format("  at the wall (estimate): {} gross, {} net; {}\n", format_energy(record.wall_corrected->gross_j),
                           format_energy(record.wall_corrected->net_j), record.wall_corrected->label);
    if (s.usage.cpu_util_mean)
        out += fmt::format("  usage: CPU {:.0f} % of the machine", 100.0 * *s.usage.cpu_util_mean);
    if (s.usage.process_cpu_s) out += fmt::format(", job's process tree {:.2f} CPU-s", *s.usage.process_cpu_s);
    if (s.usage.mem_used_max_b) out += fmt::format(", memory up to {:.2f} GB", *s.usage.mem_used_max_b / 1e9);
    if (s.usage.cpu_util_mean) out += "\n";
    if (!s.phases.empty()) {
        out += fmt::format("  {:<24} {:>9} {:>11} {:>11}  metrics\n", "phase", "seconds", "gross", "net");
        for (const auto& p : s.phases) {
            std::string metrics;
            for (const auto& [name, value] : p.metrics) metrics += fmt::format("{}={:.6g} ", name, value);
            out += fmt::format("  {:<24} {:>9.2f} {:>11} {:>11}  {}\n", std::string(2 * p.depth, ' ') + p.name,
                               p.end_s - p.start_s, format_energy(p.gross_j), format_energy(p.net_j), metrics);
        }
    }
    const auto& carbon = record.carbon;
    if (carbon.g_co2e) {
        out += fmt::format("  carbon: {} +/- {} in {} ({}; PUE {:.2f})\n", units::format_mass_co2e(*carbon.g_co2e),
                           units::format_mass_co2e(carbon.g_co2e_uncertainty), carbon.zone.value_or("?"),
                           carbon.intensity_source, carbon.pue);
    } else {
        out += "  carbon: not computed (" + carbon.intensity_source + ")\n";
    }
    const auto& q = s.quality;
    if (q.counter_wraps || q.read_errors || q.gaps || q.counter_resets || q.control_errors)
        out += fmt::format("  data quality: {} counter wraps, {} read errors, {} gaps, {} resets, {} bad control lines\n",
                           q.counter_wraps, q.read_errors, q.gaps, q.counter_resets, q.control_errors);
    for (const auto& note : notes) out += "  note: " + note + "\n";
    for (const auto& note : s.notes) out += "  note: " + note + "\n";
    return out;
}

}  // namespace powerml::cli
