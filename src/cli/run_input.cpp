#include "run_input.hpp"

#include <nlohmann/json.hpp>

#include "powerml/analysis/prediction.hpp"

namespace powerml::cli {

report::RunInput run_input(const store::StoredRun& run) {
    report::RunInput in;
    in.id = run.id;
    in.status = run.status;
    in.command = run.command;
    in.host = run.host;
    in.exit_status = run.exit_status;
    in.timeline = run.timeline;
    in.summary = analysis::summarize(run.timeline);
    in.started_utc_ms = run.timeline.start_utc_ms + static_cast<UtcMillis>(run.timeline.job_start_s * 1000.0);
    in.zone = run.zone;
    in.intensity_source = "not computed";
    if (!run.summary_json.empty()) {
        const auto j = nlohmann::json::parse(run.summary_json, nullptr, false);
        if (j.is_object() && j.contains("carbon")) {
            const auto& c = j["carbon"];
            if (c.contains("g_co2e") && c["g_co2e"].is_number()) in.g_co2e = c["g_co2e"].get<double>();
            if (c.contains("intensity_source") && c["intensity_source"].is_string()) in.intensity_source = c["intensity_source"];
            if (c.contains("pue") && c["pue"].is_number()) in.pue = c["pue"].get<double>();
        }
    } else {
        in.summary.notes.push_back("interrupted: powerml stopped before the job ended; these are the samples it stored");
    }
    // On a finished run with 3 or more epochs the truth is known: how good would the prediction have been?
    if (run.status == "finished") {
        const auto windows = analysis::epoch_windows(run.timeline);
        if (windows.size() >= 3) in.backtest = analysis::backtest_prediction(run.timeline, windows.size());
    }
    return in;
}

}  // namespace powerml::cli
