#pragma once
// An experiment file (TOML): scenarios, repetitions, cool-down and order (seed 003's method:
// a baseline of the bare system, an idle scenario, workloads, each repeated).
//
//   [experiment]
//   name = "cnn-vs-transfer"
//   repetitions = 30        # per scenario, unless the scenario says otherwise
//   cooldown_s = 10         # idle time between two runs
//   randomize = true        # interleave scenarios in a random (seeded, stored) order
//   seed = 1
//   interval_ms = 100
//   baseline_s = 0          # per-run idle baseline, as `measure --baseline`
//   zone = "DE"             # optional: emissions per run
//
//   [[scenario]]
//   name = "bare"
//   kind = "baseline"       # the bare system: nothing but `sleep duration_s`
//   duration_s = 10
//
//   [[scenario]]
//   name = "train"
//   command = ["python3", "train.py"]   # or a string, run with sh -c
//   repetitions = 10
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace powerml::experiment {

struct Scenario {
    std::string name;
    std::string kind = "workload";  // "baseline" | "idle" | "workload"
    std::vector<std::string> command;
    double duration_s = 0;          // for kind "baseline"
    int repetitions = 0;
};

struct ExperimentSpec {
    std::string name;
    int repetitions = 5;
    double cooldown_s = 0;
    bool randomize = true;
    std::uint64_t seed = 1;
    double interval_ms = 100;
    double baseline_s = 0;
    std::optional<std::string> zone;
    std::string carbon_source = "embedded";
    double pue = 1.0;
    std::vector<Scenario> scenarios;
    std::string source_text;  // the file as read, kept with the experiment's state

    // The scenario whose kind is "baseline" (the bare system), if any.
    const Scenario* baseline_scenario() const;
};

// Throws Error naming the file and the field on bad input.
ExperimentSpec parse_experiment(const std::string& toml_text, const std::string& origin);
ExperimentSpec load_experiment_file(const std::filesystem::path& file);

// One measurement to make: scenario `scenario`, its repetition `repetition` (1-based).
struct PlannedRun {
    std::string scenario;
    int repetition = 0;
};

// The order of all runs: scenario by scenario, or shuffled with the spec's seed.
std::vector<PlannedRun> plan_runs(const ExperimentSpec& spec);

}  // namespace powerml::experiment
