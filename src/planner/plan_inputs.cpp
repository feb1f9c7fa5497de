#include "powerml/planner/plan_inputs.hpp"
#include "powerml/planner/series_uncertainty.hpp"

#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "powerml/carbon/embedded_data.hpp"
#include "powerml/carbon/history_forecast.hpp"
#include "powerml/carbon/sources.hpp"
#include "powerml/core/error.hpp"
#include "powerml/core/paths.hpp"
#include "powerml/store/run_store.hpp"

namespace powerml::planner {

// "--source GB=ukgrid" applies to one zone, "--source csv:/x.csv" to every other zone.
std::string spec_for(const std::vector<std::string>& sources, const std::string& zone) {
    std::string fallback = "embedded";
    for (const std::string& s : sources) {
        const auto eq = s.find('=');
        const bool per_zone = eq != std::string::npos && s.find_first_of(":/") > eq;
        if (per_zone) {
            if (s.substr(0, eq) == zone) return s.substr(eq + 1);
        } else {
            fallback = s;
        }
    }
    return fallback;
}

// `run = "<id>"` in a job file: the run's wall time and mean gross power from the run store.
std::optional<RunProfile> run_from_store(const std::string& id) {
    const auto db_file = paths::default_run_db();
    if (!std::filesystem::exists(db_file)) return std::nullopt;
    const store::RunStore db(db_file, store::RunStore::Mode::read_only);
    const store::StoredRun run = db.load(id);
    if (!run.has_summary)
        throw Error(fmt::format("run '{}' was interrupted and has no summary; measure it again", run.record.id));
    RunProfile p;
    p.duration_s = run.record.summary.duration_s;
    p.power_w = p.duration_s > 0 ? run.record.summary.gross_j / p.duration_s : 0.0;
    p.origin = "run " + run.record.id + " in " + db_file.string();
    return p;
}


SeriesSource grid_series_source(std::vector<std::string> sources, Config config) {
    return [sources = std::move(sources), config = std::move(config)](const std::string& zone, UtcMillis from, UtcMillis to) {
        carbon::IntensitySeries s = carbon::fetch_series(spec_for(sources, zone), zone, from, to, config);
        state_missing_error(s);
        return s;
    };
}

}  // namespace powerml::planner
