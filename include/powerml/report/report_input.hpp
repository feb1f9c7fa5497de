#pragma once
// What a report shows: measured runs (their record and timeline) and experiments (their state
// and statistics). The CLI assembles it from the run store; every number in it comes from
// analysis, the report only lays it out.
#include <optional>
#include <string>
#include <vector>

#include "powerml/analysis/prediction.hpp"
#include "powerml/record/job_summary.hpp"
#include "powerml/record/run_record.hpp"
#include "powerml/experiment/experiment_results.hpp"
#include "powerml/record/timeline.hpp"

namespace powerml::report {

struct RunInput {
    std::string id;
    std::string status;  // finished | interrupted
    std::vector<std::string> command;
    std::string host;
    UtcMillis started_utc_ms = 0;
    std::optional<int> exit_status;
    record::RunSummary summary;
    record::Timeline timeline;
    std::optional<std::string> zone;
    std::optional<double> g_co2e;
    std::string intensity_source;
    double pue = 1.0;
    record::RunCarbon carbon;  // the whole carbon record, with the energy basis it was charged on
    std::vector<analysis::BacktestPoint> backtest;  // prediction error, for runs with >= 3 epochs
};

struct ReportInput {
    std::vector<RunInput> runs;
    std::vector<experiment::ExperimentResults> experiments;
    std::vector<record::JobSummary> jobs;  // distributed jobs summed across their nodes (report --job)
    std::string generator = "powerml";  // "powerml 0.1.0"
    UtcMillis generated_utc_ms = 0;
    std::string db_path;
};

}  // namespace powerml::report
