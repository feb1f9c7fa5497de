#include "powerml/experiment/experiment_results.hpp"

#include <fmt/format.h>

#include "powerml/measure/run_source.hpp"
#include "powerml/core/error.hpp"

namespace powerml::experiment {

ExperimentResults load_results(const std::filesystem::path& db_file, const std::string& name) {
    ExperimentState state(db_file);
    ExperimentResults out;
    out.info = state.info(name);
    out.spec = parse_experiment(out.info.spec_text, "experiment '" + name + "' (stored)");
    out.items = state.items(name);
    for (const auto& item : out.items) {
        if (item.status != "finished" || item.run_id.empty()) continue;
        try {
            // The summary as measured, the same that every other surface shows.
            out.summaries[item.run_id] = measure::load_run(item.run_id, db_file).record.summary;
        } catch (const Error& e) {
            out.notes.push_back(fmt::format("{} #{}: run {} could not be read back: {}", item.scenario, item.repetition,
                                            item.run_id, e.what()));
        }
    }
    auto runs_of = [&](const std::string& scenario) {
        std::vector<analysis::ScenarioRun> list;
        for (const auto& item : out.items)
            if (item.scenario == scenario && out.summaries.count(item.run_id))
                list.push_back({item.run_id, out.summaries.at(item.run_id)});
        return list;
    };
    if (const Scenario* bare = out.spec.baseline_scenario()) {
        double energy = 0, seconds = 0;
        for (const auto& run : runs_of(bare->name)) {
            energy += run.summary.gross_j;
            seconds += run.summary.duration_s;
        }
        if (seconds > 0) out.bare_power_w = energy / seconds;
        else out.notes.push_back("the baseline scenario '" + bare->name + "' has no finished run yet: no adjusted energy");
    } else {
        out.notes.push_back("no baseline scenario (kind = \"baseline\"): energies are not adjusted for the bare system");
    }
    for (const auto& scenario : out.spec.scenarios) {
        ScenarioResult result;
        result.scenario = scenario;
        for (const auto& item : out.items)
            if (item.scenario == scenario.name) result.items.push_back(item);
        const auto list = runs_of(scenario.name);
        if (!list.empty()) result.stats = analysis::scenario_statistics(scenario.name, list, out.bare_power_w);
        std::size_t failed = 0, pending = 0;
        for (const auto& item : result.items) {
            if (item.status == "failed") ++failed;
            if (item.status == "pending" || item.status == "running") ++pending;
        }
        if (failed > 0)
            out.notes.push_back(fmt::format("scenario '{}': {} of {} repetitions failed and are left out of its statistics",
                                            scenario.name, failed, result.items.size()));
        if (pending > 0)
            out.notes.push_back(fmt::format("scenario '{}': {} repetitions not measured yet (run the experiment again to resume)",
                                            scenario.name, pending));
        out.scenarios.push_back(std::move(result));
    }
    return out;
}

}  // namespace powerml::experiment
