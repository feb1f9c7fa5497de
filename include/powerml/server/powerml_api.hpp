#pragma once
// PowerML's own routes: /v1/intensity (the `powerml intensity --format json` answer),
// /v1/runs and /v1/runs/{id} (the run store, read-only). No route takes a file path from a
// request: the run store and the data source are the server's own configuration.
#include <filesystem>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "powerml/server/query_params.hpp"
#include "powerml/server/series_cache.hpp"

namespace powerml::server {

class PowerMlApi {
public:
    PowerMlApi(SeriesCache& cache, std::function<bool(const std::string&)> known_zone,
               std::optional<std::filesystem::path> run_db, double max_range_s, std::function<UtcMillis()> now);

    // ?zone=CY&from=RFC3339&to=RFC3339 (default: the next 24 hours from now).
    nlohmann::json intensity(const QueryParams& q) const;
    // ?limit=N (1..1000, default 50): most recent first, the `powerml runs list --format json` items.
    nlohmann::json runs(const QueryParams& q) const;
    // A run by id or unique prefix: its record and summary.json (null for an interrupted run).
    nlohmann::json run(const std::string& id) const;
    // A distributed job summed across its nodes: `powerml runs job KEY --format json`'s text
    // (schema powerml.job/1). ?expect_nodes=HOSTLIST adds nodes that should have reported.
    std::string job(const std::string& key, const QueryParams& q) const;

private:
    SeriesCache& m_cache;
    std::function<bool(const std::string&)> m_known;
    std::optional<std::filesystem::path> m_run_db;
    double m_max_range_s;
    std::function<UtcMillis()> m_now;
};

}  // namespace powerml::server
