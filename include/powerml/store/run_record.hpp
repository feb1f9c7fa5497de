#pragma once
// A finished (or interrupted) measurement as it is kept and exported.
#include <optional>
#include <string>
#include <vector>

#include "powerml/analysis/run_summary.hpp"
#include "powerml/core/time.hpp"

namespace powerml::store {

struct RunCarbon {
    std::optional<std::string> zone;        // nothing when no zone was given
    std::optional<double> g_co2e;           // nothing when no zone was given: never a silent 0
    double g_co2e_uncertainty = 0;
    std::string intensity_source;           // "embedded: Electricity Maps yearly average 2024 (CY)"
    std::optional<double> intensity_g_per_kwh;  // energy-weighted mean intensity used
    double pue = 1.0;
    std::string note;
};

// The run's energy as a wall meter would have read it, from this machine's fitted correction
// wall = a x sensors + b (sensors/wall_correction.hpp). An estimate, labelled as such.
struct WallCorrected {
    double gross_j = 0, baseline_j = 0, net_j = 0;
    std::string label;  // "wall-corrected: wall = 1.12 x sensors + 41.3 W (r2 0.97, 600 intervals)"
};

struct RunRecord {
    std::string id;                       // "20261123T131500Z-3f2a"
    std::vector<std::string> command;
    std::string host;
    UtcMillis started_utc_ms = 0;         // when the job started (after the baseline)
    UtcMillis ended_utc_ms = 0;
    int exit_status = 0;
    std::string status = "finished";      // "running" while measuring, "interrupted" if powerml died
    analysis::RunSummary summary;
    RunCarbon carbon;
    std::optional<WallCorrected> wall_corrected;
};

std::string new_run_id(UtcMillis now);

}  // namespace powerml::store
