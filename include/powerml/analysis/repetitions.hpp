#pragma once
// Statistics over the repetitions of one scenario (seed 003): for the run as a whole and for
// each phase by name (epoch-1, epoch-2, ...), every indicator described with mean, sd, 95 %
// CI, median, IQR, a normality test and outlier flags; energy adjusted by the bare system's
// baseline; correlations between indicators.
#include <optional>
#include <string>
#include <vector>

#include "powerml/analysis/run_summary.hpp"
#include "powerml/analysis/statistics.hpp"

namespace powerml::analysis {

// One indicator across runs: values[i] belongs to run_ids[i].
struct IndicatorStats {
    std::string name;  // "net_energy_j", "duration_s", "metric:accuracy", "gauge:NVML::GPU_TEMP@gpu-0"
    std::string unit;  // "J", "s", "W", "" (metrics)
    std::vector<double> values;
    std::vector<std::string> run_ids;
    Descriptive stats;
};

struct PhaseStats {
    std::string phase;
    std::vector<IndicatorStats> indicators;
};

struct CorrelationRow {
    std::string x, y;    // indicator names
    std::string scope;   // "runs" (one value per repetition) or "epochs" (one per epoch phase)
    Correlation pearson_r;
    Correlation spearman_rho;
    std::optional<LinearFit> fit;
};

struct ScenarioRun {
    std::string run_id;
    RunSummary summary;
};

struct ScenarioStats {
    std::string scenario;
    std::size_t runs = 0;
    std::vector<IndicatorStats> indicators;
    std::vector<PhaseStats> phases;         // in the order the phases first appear
    std::vector<CorrelationRow> correlations;
    std::vector<std::string> notes;
};

// `bare_power_w`: mean power of the bare system (the experiment's baseline scenario); when
// given, adds "adjusted_energy_j" = gross energy - bare power x duration (seed 003's energy
// induced by the software). Needs at least one run; throws Error otherwise.
ScenarioStats scenario_statistics(const std::string& scenario, const std::vector<ScenarioRun>& runs,
                                  std::optional<double> bare_power_w = std::nullopt);

// Finds an indicator by name; nullptr when absent.
const IndicatorStats* find_indicator(const std::vector<IndicatorStats>& indicators, const std::string& name);

// Pearson and Spearman between two indicators of equal length; nothing when undefined
// (fewer than 3 pairs, or no spread).
std::optional<CorrelationRow> correlate_indicators(const std::string& x_name, const std::vector<double>& x,
                                                   const std::string& y_name, const std::vector<double>& y,
                                                   const std::string& scope);

// Pearson and Spearman between two indicators of the same scenario (or phase), paired by run
// id: only runs that have both count. Nothing when fewer than 3 pairs or no spread.
std::optional<CorrelationRow> correlate_by_run(const IndicatorStats& x, const IndicatorStats& y, const std::string& scope);

}  // namespace powerml::analysis
