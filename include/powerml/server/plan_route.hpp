#pragma once
// POST /v1/plan: a job file in the body, as TOML or as the same tables in JSON, and the answer
// `powerml plan --job FILE --source SPEC --format json` gives for it (or, with ?emit=slurm or
// ?emit=kubernetes, the hand-off it prints). The intensity source is the server's own; a job's
// `run = ...` key is refused, since it names a file or run on the server.
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "powerml/carbon/intensity_series.hpp"
#include "powerml/core/config.hpp"
#include "powerml/server/query_params.hpp"

namespace powerml::server {

class PlanRoute {
public:
    struct Answer {
        std::string body;
        std::string content_type;
    };

    PlanRoute(std::string source_spec, Config config);

    // ?start=RFC3339 (score that start only), ?alternatives=N (0-50), ?emit=slurm|kubernetes.
    // A job with an earliest_start is planned from it, its settings and the series alone, so
    // its answer is kept (by body and query) and given again while the source answers the
    // same series for the same ranges (fetched again and compared on every request: a
    // provider's new data are seen at once). A job starting "now" is planned every time.
    Answer answer(const std::string& body, const std::string& content_type, const QueryParams& q) const;

    // The job's tables as TOML text (objects become tables, arrays of objects arrays of tables).
    static std::string json_to_toml(const nlohmann::json& job);

private:
    carbon::IntensitySeries fetch(const std::string& zone, UtcMillis from, UtcMillis to) const;

    std::string m_source;
    Config m_config;

    struct KeptPlan {
        std::vector<std::tuple<std::string, UtcMillis, UtcMillis>> asked;  // what the planner fetched
        std::vector<carbon::IntensitySeries> got;                          // and what it got
        Answer answer;
    };
    static constexpr std::size_t k_kept_plans = 64;               // then all are dropped
    static constexpr std::size_t k_kept_body_bytes = 64 * 1024;   // larger job files are not kept
    mutable std::mutex m_kept_mutex;
    mutable std::map<std::string, std::shared_ptr<const KeptPlan>> m_kept;
};

}  // namespace powerml::server
