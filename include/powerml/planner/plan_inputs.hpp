#pragma once
// What `powerml plan` and powerml.plan() (Python) hand the planner: intensity series from the
// carbon data layer per zone, and `run = "<id>"` profiles from the run store. Kept out of the
// planner proper (target powerml_plan_inputs), which never fetches data itself.
#include <optional>
#include <string>
#include <vector>

#include "powerml/carbon/intensity_series.hpp"
#include "powerml/core/config.hpp"
#include "powerml/planner/job_file.hpp"
#include "powerml/planner/planner.hpp"

namespace powerml::planner {

// "GB=ukgrid" applies to one zone, "csv:/x.csv" to every other zone; default "embedded".
std::string spec_for(const std::vector<std::string>& sources, const std::string& zone);

// state_missing_error() is in series_uncertainty.hpp (shared with the HTTP server).

// A run's wall time and mean gross power from the default run store; nothing without one.
std::optional<RunProfile> run_from_store(const std::string& id);

// fetch_series with spec_for(sources, zone), then state_missing_error.
SeriesSource grid_series_source(std::vector<std::string> sources, Config config);

}  // namespace powerml::planner
