#pragma once
// The job's own share of the machine's energy on a shared machine (issue 15), beside the
// machine's figures: per interval, the job's CPU time over the machine's busy CPU time, applied
// to the power above idle; idle power and DRAM by stated policies; whole GPUs when selected.
// And how idle the "idle" baseline was. Formulas: docs/explanation/attribution.md.
#include <optional>

#include "powerml/record/run_summary.hpp"

namespace powerml::analysis {

// A baseline whose machine CPU utilisation averaged above this was not idle: warned and flagged.
inline constexpr double k_busy_baseline_cpu_util = 0.10;
// Relative spread of energy per CPU-second between processes (scalar code vs wide vector
// units, memory-bound vs compute-bound): the split's error is sqrt(2) x this x the others' share.
inline constexpr double k_energy_per_cpu_second_spread = 0.25;
// Below this share of the machine's busy CPU time the machine counts as shared, and the
// attributed figure is the headline.
inline constexpr double k_shared_machine_share = 0.90;

// How idle the baseline [0, baseline_end_s] was; nothing without a baseline or CPU utilisation.
std::optional<record::BaselineIdleness> baseline_idleness(const record::Timeline& timeline);

// Fills summary.components[].attributed, phases[].attributed_j and summary.attribution from the
// timeline (needs PROCFS::PROCESS_CPU_TIME and PROCFS::MACHINE_CPU_TIME); the summary's
// machine figures, components and phases must already be there. Adds notes on what it assumed.
void attribute(const record::Timeline& timeline, const record::AttributionPolicy& policy, record::RunSummary& summary);

}  // namespace powerml::analysis
