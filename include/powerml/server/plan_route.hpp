#pragma once
// POST /v1/plan: a job file in the body, as TOML or as the same tables in JSON, and the answer
// `powerml plan --job FILE --source SPEC --format json` gives for it (or, with ?emit=slurm or
// ?emit=kubernetes, the hand-off it prints). The intensity source is the server's own; a job's
// `run = ...` key is refused, since it names a file or run on the server.
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

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
    Answer answer(const std::string& body, const std::string& content_type, const QueryParams& q) const;

    // The job's tables as TOML text (objects become tables, arrays of objects arrays of tables).
    static std::string json_to_toml(const nlohmann::json& job);

private:
    std::string m_source;
    Config m_config;
};

}  // namespace powerml::server
