#pragma once
// Runs an experiment: every planned (scenario, repetition) in its stored order, each measured
// like `powerml measure` and kept in the run store, with a cool-down between runs. A failed
// repetition (non-zero exit, command not found) is recorded and the experiment goes on; an
// interrupted one (powerml killed, or the job stopped by SIGINT/SIGTERM) is measured again
// when the same experiment file is run again.
#include <atomic>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "powerml/experiment/experiment_spec.hpp"
#include "powerml/measure/measurement.hpp"

namespace powerml::experiment {

struct Progress {
    std::size_t done = 0;    // finished + failed
    std::size_t total = 0;
    std::size_t failed = 0;
    std::string scenario;    // the run about to start (empty when all are done)
    int repetition = 0;
    double elapsed_s = 0;    // in this session
    std::optional<double> eta_s;  // remaining time, once one run has been timed
};

struct RunnerOptions {
    std::filesystem::path db_path;
    std::optional<std::size_t> max_runs;  // stop after this many measurements (resume later)
    std::function<void(const Progress&)> on_progress;
    // Called after each run with a one-line account ("train #3: exit 1, recorded as failed").
    std::function<void(const std::string&)> on_event;
    const std::atomic<bool>* stop = nullptr;  // set from a signal handler: finish the current run, then stop
};

struct RunnerOutcome {
    bool resumed = false;      // the experiment existed and was continued
    std::size_t measured_now = 0;
    std::size_t finished = 0, failed = 0, pending = 0;
    bool interrupted = false;  // stopped early; run again to resume
    bool complete() const { return pending == 0; }
};

class ExperimentRunner {
public:
    ExperimentRunner(ExperimentSpec spec, RunnerOptions options, measure::CarbonFunction carbon = {});
    // Throws Error when the experiment exists with a different file (the state would mix two designs).
    RunnerOutcome run();

private:
    ExperimentSpec m_spec;
    RunnerOptions m_options;
    measure::CarbonFunction m_carbon;
};

}  // namespace powerml::experiment
