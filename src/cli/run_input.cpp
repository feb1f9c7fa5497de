#include "run_input.hpp"

#include "powerml/analysis/prediction.hpp"

namespace powerml::cli {

report::RunInput run_input(const measure::LoadedRun& run) {
    const auto& r = run.record;
    report::RunInput in;
    in.id = r.id;
    in.status = r.status;
    in.command = r.command;
    in.host = r.host;
    if (r.status != "interrupted") in.exit_status = r.exit_status;
    in.timeline = run.timeline;
    in.summary = r.summary;
    in.started_utc_ms = r.started_utc_ms;
    in.zone = r.carbon.zone;
    in.g_co2e = r.carbon.g_co2e;
    in.intensity_source = r.carbon.intensity_source.empty() ? "not computed" : r.carbon.intensity_source;
    in.pue = r.carbon.pue;
    in.carbon = r.carbon;
    // On a finished run with 3 or more epochs the truth is known: how good would the prediction
    // have been from its first k epochs?
    if (r.status == "finished") {
        const auto windows = analysis::epoch_windows(run.timeline);
        if (windows.size() >= 3) in.backtest = analysis::backtest_prediction(run.timeline, windows.size());
    }
    return in;
}

}  // namespace powerml::cli
