#pragma once
// What a measurement records: the channels sampled, one row per sample with raw values and
// the energy each energy channel used in the interval ending at that row, phase and metric
// events from the control channel, and data-quality counts. Only the sampler writes it; the
// store keeps every row of it (the idle baseline's included) and analysis reads it.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "powerml/core/time.hpp"
#include "powerml/record/signal.hpp"

namespace powerml::record {

// How a channel's energy was obtained: the provenance every energy figure carries.
enum class EnergyKind {
    none,              // a usage channel (utilisation, bytes, temperature)
    counter,           // energy from a hardware energy counter
    integrated_power,  // energy from integrating a measured power gauge (trapezoid)
    model,             // energy from integrating a modelled power gauge
};
std::string_view to_string(EnergyKind kind);  // "counter", "integrated-power", "model", "none"
EnergyKind energy_kind_from_string(std::string_view text);  // unknown text: none

struct Channel {
    std::string source;  // sensor name: "rapl"
    SignalInfo info;
    EnergyKind energy_kind = EnergyKind::none;
    // Summed into totals: an energy channel not contained in another reported domain.
    bool summed = false;
    std::string column() const;  // "RAPL::PKG_ENERGY@package-0"
};

struct SampleRow {
    double t_s = 0;          // monotonic seconds since the sampler started
    UtcMillis utc_ms = 0;    // wall time of the sample
    std::vector<double> values;    // raw, per channel; NaN where the read failed
    std::vector<double> energy_j;  // per channel: energy in (previous row, this row]; 0 for usage channels
};

struct PhaseEvent {
    double t_s = 0;
    UtcMillis utc_ms = 0;
    std::string name;
    bool begin = true;
};

// The phases of one rank of a distributed job carry its prefix, "rank1/epoch-2", so that each
// rank's phases pair and nest on their own (ranks open and close phases independently).
std::string rank_phase_name(int rank, std::string_view name);
// The lane of a phase name: "rank1" for "rank1/epoch-2", "" for a name without a rank prefix.
std::string_view phase_lane(std::string_view name);
// The name without its lane: "epoch-2" for "rank1/epoch-2" (and for "epoch-2").
std::string_view phase_bare_name(std::string_view name);

struct MetricEvent {
    double t_s = 0;
    std::string name;
    double value = 0;
};

struct DataQuality {
    std::int64_t counter_wraps = 0;  // counter passed its wrap point (handled, energy kept)
    std::int64_t read_errors = 0;    // a channel's value could not be read in a sample
    std::int64_t gaps = 0;           // a sample came more than twice the interval after the last
    std::int64_t counter_resets = 0; // a counter went backwards with no wrap range (treated as restart)
    std::int64_t control_errors = 0; // unreadable lines on the control channel (too long, not a command)
    std::int64_t events_dropped = 0; // phase or metric events beyond the limits (count, nesting depth)
    bool baseline_not_idle = false;  // the idle baseline was busy with other work (set by analysis)
};

struct Timeline {
    double interval_s = 0.1;
    UtcMillis start_utc_ms = 0;  // wall time of t_s = 0
    double baseline_end_s = 0;   // end of the idle baseline (0: no baseline)
    double job_start_s = 0;      // the job's window within the timeline
    double job_end_s = 0;
    std::vector<Channel> channels;
    std::vector<SampleRow> rows;
    std::vector<PhaseEvent> phases;
    std::vector<MetricEvent> metrics;
    DataQuality quality;
};

// What a timeline gained since an earlier look: rows and events from the given positions on.
// The run store appends these while the job runs.
struct TimelineTail {
    std::size_t first_row = 0, first_phase = 0, first_metric = 0;
    std::vector<SampleRow> rows;
    std::vector<PhaseEvent> phases;
    std::vector<MetricEvent> metrics;
    bool empty() const { return rows.empty() && phases.empty() && metrics.empty(); }
};

}  // namespace powerml::record
