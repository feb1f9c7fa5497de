#pragma once
// An experiment's results: its planned runs and their state, and per scenario the statistics
// over its finished repetitions (from analysis), with the bare system's mean power taken from
// the baseline scenario so that every scenario gets seed 003's baseline-adjusted energy.
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "powerml/analysis/repetitions.hpp"
#include "powerml/experiment/experiment_spec.hpp"
#include "powerml/experiment/experiment_state.hpp"

namespace powerml::experiment {

struct ScenarioResult {
    Scenario scenario;
    std::vector<RunItem> items;                    // in planned order
    std::optional<analysis::ScenarioStats> stats;  // nothing when no repetition finished
};

struct ExperimentResults {
    ExperimentSpec spec;
    ExperimentInfo info;
    std::vector<RunItem> items;
    std::optional<double> bare_power_w;  // mean power of the baseline scenario's runs
    std::vector<ScenarioResult> scenarios;
    std::map<std::string, record::RunSummary> summaries;  // by run id, finished runs
    std::vector<std::string> notes;
};

// Reads the experiment's state and its runs from the run store. Throws Error when unknown.
ExperimentResults load_results(const std::filesystem::path& db_file, const std::string& name);

}  // namespace powerml::experiment
