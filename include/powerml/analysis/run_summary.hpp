#pragma once
// From a timeline to the numbers people read (record::RunSummary): energy per component and per
// phase, gross, idle baseline and net (seed 001 eq. 1-5), an uncertainty for each, and
// hardware usage. The one place these are computed.
#include <optional>

#include "powerml/record/run_summary.hpp"

namespace powerml::analysis {

// Analysis reads and computes these throughout: spelt without the module prefix here.
using record::ComponentEnergy;
using record::PhaseSummary;
using record::RunSummary;
using record::Timeline;
using record::Usage;

// With the job's attributed share (analysis/attribution.hpp) by `policy` where the timeline
// has the CPU times it needs, and the baseline's idleness.
record::RunSummary summarize(const record::Timeline& timeline, const record::AttributionPolicy& policy = {});

// Value of counter channel `c` at time t, interpolated between the nearest readable rows.
std::optional<double> counter_at(const record::Timeline& timeline, std::size_t c, double t);

// Energy of channel `c` in the window [from_s, to_s], pro-rating rows that straddle its edges.
double channel_energy(const record::Timeline& timeline, std::size_t c, double from_s, double to_s);

// Usage indicators over [from_s, to_s].
record::Usage usage_between(const record::Timeline& timeline, double from_s, double to_s);

}  // namespace powerml::analysis
