#include "powerml/experiment/experiment_runner.hpp"

#include <signal.h>

#include <chrono>
#include <map>
#include <thread>

#include <fmt/format.h>

#include "powerml/core/clock.hpp"
#include "powerml/core/error.hpp"
#include "powerml/experiment/experiment_state.hpp"
#include "powerml/store/store_location.hpp"

namespace powerml::experiment {

namespace {

const Scenario& scenario_named(const ExperimentSpec& spec, const std::string& name) {
    for (const auto& s : spec.scenarios)
        if (s.name == name) return s;
    throw Error("experiment '" + spec.name + "': stored state names an unknown scenario '" + name + "'");
}

// Remaining time from how long each scenario's runs took so far (any session), plus cool-downs.
std::optional<double> estimate_remaining(const std::vector<RunItem>& items, double cooldown_s) {
    std::map<std::string, std::pair<double, int>> per_scenario;
    double all = 0;
    int timed = 0;
    for (const auto& item : items) {
        if ((item.status != "finished" && item.status != "failed") || item.ended_utc_ms <= item.started_utc_ms) continue;
        const double s = static_cast<double>(item.ended_utc_ms - item.started_utc_ms) / 1000.0;
        per_scenario[item.scenario].first += s;
        per_scenario[item.scenario].second += 1;
        all += s;
        ++timed;
    }
    if (timed == 0) return std::nullopt;
    double remaining = 0;
    for (const auto& item : items) {
        if (item.status != "pending" && item.status != "running") continue;
        const auto it = per_scenario.find(item.scenario);
        remaining += (it != per_scenario.end() ? it->second.first / it->second.second : all / timed) + cooldown_s;
    }
    return remaining;
}

void sleep_unless_stopped(double seconds, const std::atomic<bool>* stop) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (std::chrono::steady_clock::now() < until) {
        if (stop && stop->load()) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

}  // namespace

ExperimentRunner::ExperimentRunner(ExperimentSpec spec, RunnerOptions options, measure::CarbonFunction carbon)
    : m_spec(std::move(spec)), m_options(std::move(options)), m_carbon(std::move(carbon)) {}

RunnerOutcome ExperimentRunner::run() {
    ExperimentState state(m_options.db_path);
    RunnerOutcome outcome;
    if (state.exists(m_spec.name)) {
        const auto info = state.info(m_spec.name);
        if (info.spec_text != m_spec.source_text)
            throw Error(fmt::format("experiment '{}' already exists in {} with a different experiment file; rename it "
                                    "(experiment.name) or start over with --restart",
                                    m_spec.name, store::redacted_location(m_options.db_path.string())));
        outcome.resumed = true;
        // A run left 'running' was cut off with powerml: it is measured again.
        for (const auto& item : state.items(m_spec.name))
            if (item.status == "running") state.mark_pending(m_spec.name, item.seq);
    } else {
        state.create(m_spec, plan_runs(m_spec));
    }

    const double session_start = SystemClock::instance().monotonic_s();
    auto report_progress = [&](const std::vector<RunItem>& items, const RunItem* next) {
        if (!m_options.on_progress) return;
        Progress p;
        p.total = items.size();
        for (const auto& i : items) {
            if (i.status == "finished" || i.status == "failed") ++p.done;
            if (i.status == "failed") ++p.failed;
        }
        if (next) {
            p.scenario = next->scenario;
            p.repetition = next->repetition;
        }
        p.elapsed_s = SystemClock::instance().monotonic_s() - session_start;
        p.eta_s = estimate_remaining(items, m_spec.cooldown_s);
        m_options.on_progress(p);
    };

    bool first = true;
    while (true) {
        auto items = state.items(m_spec.name);
        const RunItem* next = nullptr;
        for (const auto& item : items)
            if (item.status == "pending") {
                next = &item;
                break;
            }
        report_progress(items, next);
        if (!next) break;
        if ((m_options.stop && m_options.stop->load()) ||
            (m_options.max_runs && outcome.measured_now >= *m_options.max_runs)) {
            outcome.interrupted = true;
            break;
        }
        if (!first && m_spec.cooldown_s > 0) {
            sleep_unless_stopped(m_spec.cooldown_s, m_options.stop);
            if (m_options.stop && m_options.stop->load()) continue;  // re-checked at the top
        }
        first = false;
        RunItem item = *next;
        const Scenario& scenario = scenario_named(m_spec, item.scenario);
        item.started_utc_ms = utc_now_ms();
        state.mark_running(m_spec.name, item.seq, item.started_utc_ms);

        measure::MeasureOptions options;
        options.interval_s = m_spec.interval_ms / 1000.0;
        options.baseline_s = m_spec.baseline_s;
        options.zone = m_spec.zone;
        options.carbon_source = m_spec.carbon_source;
        options.pue = m_spec.pue;
        options.db_path = m_options.db_path;
        options.command = scenario.command;
        std::string event;
        try {
            measure::Measurement measurement(options, m_carbon);
            const auto result = measurement.run_command();
            item.run_id = result.record.id;
            item.exit_status = result.exit_status;
            if (result.start_error) {
                item.status = "failed";
                item.error = *result.start_error;
            } else if (result.exit_status == 128 + SIGINT || result.exit_status == 128 + SIGTERM) {
                // The job was stopped from outside (Ctrl-C reaches the whole process group):
                // stop the experiment and measure this repetition again on resume.
                state.mark_pending(m_spec.name, item.seq);
                outcome.interrupted = true;
                if (m_options.on_event)
                    m_options.on_event(fmt::format("{} #{}: stopped by signal {}; it will be measured again on resume",
                                                   item.scenario, item.repetition, result.exit_status - 128));
                break;
            } else if (result.exit_status != 0) {
                item.status = "failed";
                item.error = fmt::format("exit status {}", result.exit_status);
            } else {
                item.status = "finished";
            }
        } catch (const std::exception& e) {
            item.status = "failed";
            item.error = e.what();
        }
        item.ended_utc_ms = utc_now_ms();
        state.mark_done(m_spec.name, item);
        ++outcome.measured_now;
        if (m_options.on_event && item.status == "failed")
            m_options.on_event(fmt::format("{} #{}: {}; recorded as failed, the experiment goes on", item.scenario,
                                           item.repetition, item.error));
    }
    for (const auto& item : state.items(m_spec.name)) {
        if (item.status == "finished") ++outcome.finished;
        else if (item.status == "failed") ++outcome.failed;
        else ++outcome.pending;
    }
    return outcome;
}

}  // namespace powerml::experiment
