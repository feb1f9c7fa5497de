#include "powerml/server/plan_route.hpp"

#include <sstream>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "powerml/carbon/sources.hpp"
#include "powerml/core/error.hpp"
#include "powerml/planner/handoff.hpp"
#include "powerml/planner/job_file.hpp"
#include "powerml/planner/plan_report.hpp"
#include "powerml/planner/planner.hpp"
#include "powerml/planner/series_uncertainty.hpp"
#include "powerml/server/http_error.hpp"

namespace powerml::server {

namespace {

toml::array to_toml_array(const nlohmann::json& a, const std::string& path);

toml::table to_toml_table(const nlohmann::json& o, const std::string& path) {
    toml::table t;
    for (const auto& [key, v] : o.items()) {
        const std::string here = path.empty() ? key : path + "." + key;
        if (v.is_null()) continue;
        if (v.is_object()) t.insert(key, to_toml_table(v, here));
        else if (v.is_array()) t.insert(key, to_toml_array(v, here));
        else if (v.is_boolean()) t.insert(key, v.get<bool>());
        else if (v.is_number_integer()) t.insert(key, v.get<std::int64_t>());
        else if (v.is_number()) t.insert(key, v.get<double>());
        else if (v.is_string()) t.insert(key, v.get<std::string>());
        else throw HttpError::bad_field(here, "unsupported JSON value");
    }
    return t;
}

toml::array to_toml_array(const nlohmann::json& a, const std::string& path) {
    toml::array out;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const auto& v = a[i];
        const std::string here = fmt::format("{}[{}]", path, i);
        if (v.is_object()) out.push_back(to_toml_table(v, here));
        else if (v.is_array()) out.push_back(to_toml_array(v, here));
        else if (v.is_boolean()) out.push_back(v.get<bool>());
        else if (v.is_number_integer()) out.push_back(v.get<std::int64_t>());
        else if (v.is_number()) out.push_back(v.get<double>());
        else if (v.is_string()) out.push_back(v.get<std::string>());
        else throw HttpError::bad_field(here, "null or unsupported JSON value in an array");
    }
    return out;
}

}  // namespace

PlanRoute::PlanRoute(std::string source_spec, Config config) : m_source(std::move(source_spec)), m_config(std::move(config)) {}

std::string PlanRoute::json_to_toml(const nlohmann::json& job) {
    if (!job.is_object()) throw HttpError::bad_field("body", "a JSON job is an object with a \"job\" table and \"site\" tables");
    std::ostringstream out;
    out << to_toml_table(job, "");
    return out.str();
}

PlanRoute::Answer PlanRoute::answer(const std::string& body, const std::string& content_type, const QueryParams& q) const {
    const auto emit = q.one("emit");
    if (emit && *emit != "slurm" && *emit != "kubernetes") throw HttpError::bad_field("emit", "emit is slurm or kubernetes");
    planner::PlanSettings settings;
    settings.now = utc_now_ms();
    settings.alternatives_per_site = static_cast<int>(q.integer("alternatives", 0, 50).value_or(2));
    if (const auto start = q.time("start")) settings.fixed_start = *start;

    std::string toml_text = body;
    const bool json = content_type.rfind("application/json", 0) == 0;
    if (json) {
        const auto j = nlohmann::json::parse(body, nullptr, false);
        if (j.is_discarded()) throw HttpError::bad_field("body", "the body is not valid JSON");
        toml_text = json_to_toml(j);
    }
    // A `run` names a measured run by a path or an id on this machine: not for remote callers.
    try {
        const toml::table root = toml::parse(std::string_view(toml_text), std::string_view("request body"));
        if (root["job"]["run"]) throw HttpError::bad_field("job.run", "'run' is not accepted over HTTP (it names a file or run on "
                                                                     "the server); give duration and power_w");
    } catch (const toml::parse_error& e) {
        throw HttpError::bad_field("body", fmt::format("not a TOML job file: {} (line {})", e.description(), e.source().begin.line));
    }

    try {
        const planner::JobSpec job = planner::parse_job_toml(toml_text, "request body");
        const std::string source = m_source;
        const Config& config = m_config;
        planner::SeriesSource series = [&source, &config](const std::string& zone, UtcMillis from, UtcMillis to) {
            carbon::IntensitySeries s = carbon::fetch_series(source, zone, from, to, config);
            planner::state_missing_error(s);
            return s;
        };
        const planner::Plan plan = planner::Planner(series).plan(job, settings);
        if (emit == std::optional<std::string>("slurm")) return {planner::slurm_commands(plan, job), "text/plain; charset=utf-8"};
        if (emit == std::optional<std::string>("kubernetes")) return {planner::kubernetes_manifest(plan, job), "application/yaml"};
        return {planner::plan_to_json(plan).dump(2), "application/json"};
    } catch (const HttpError&) {
        throw;
    } catch (const Error& e) {
        // The job file's own messages name the table and field ("[job] power_w: must be > 0").
        throw HttpError::bad_field("job", e.what());
    }
}

}  // namespace powerml::server
