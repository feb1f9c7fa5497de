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

// Every field, as the plan's answer may show any of them. A field added to IntensitySeries
// must be added here, or a kept plan could outlive a change in it.
bool same_series(const carbon::IntensitySeries& a, const carbon::IntensitySeries& b) {
    if (a.zone != b.zone || a.signal != b.signal || a.basis != b.basis || a.provider != b.provider ||
        a.attribution != b.attribution || a.licence != b.licence || a.relative_uncertainty != b.relative_uncertainty ||
        a.note != b.note || a.answered_by != b.answered_by || a.points.size() != b.points.size())
        return false;
    for (std::size_t i = 0; i < a.points.size(); ++i) {
        const auto &p = a.points[i], &q = b.points[i];
        if (p.start != q.start || p.duration_s != q.duration_s || p.g_per_kwh != q.g_per_kwh || p.kind != q.kind ||
            p.filled != q.filled)
            return false;
    }
    return true;
}

}  // namespace

carbon::IntensitySeries PlanRoute::fetch(const std::string& zone, UtcMillis from, UtcMillis to) const {
    carbon::IntensitySeries s = carbon::fetch_series(m_source, zone, from, to, m_config);
    planner::state_missing_error(s);
    return s;
}

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

    const bool json = content_type.rfind("application/json", 0) == 0;
    std::string key;
    if (body.size() <= k_kept_body_bytes) {
        key = fmt::format("{}|{}|{}|{}|", json ? "json" : "toml", emit.value_or("-"), settings.alternatives_per_site,
                          settings.fixed_start ? std::to_string(*settings.fixed_start) : "-");
        key += body;
        std::shared_ptr<const KeptPlan> kept;
        {
            std::lock_guard lock(m_kept_mutex);
            if (const auto it = m_kept.find(key); it != m_kept.end()) kept = it->second;
        }
        if (kept) {
            bool same = true;
            try {
                for (std::size_t i = 0; i < kept->asked.size() && same; ++i) {
                    const auto& [zone, from, to] = kept->asked[i];
                    same = same_series(fetch(zone, from, to), kept->got[i]);
                }
            } catch (const std::exception&) {
                same = false;  // planned afresh below, which reports the failure as it would have
            }
            if (same) return kept->answer;
        }
    }

    std::string toml_text = body;
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
        auto kept = std::make_shared<KeptPlan>();
        planner::SeriesSource series = [this, &kept](const std::string& zone, UtcMillis from, UtcMillis to) {
            carbon::IntensitySeries s = fetch(zone, from, to);
            kept->asked.emplace_back(zone, from, to);
            kept->got.push_back(s);
            return s;
        };
        const planner::Plan plan = planner::Planner(series).plan(job, settings);
        if (emit == std::optional<std::string>("slurm")) kept->answer = {planner::slurm_commands(plan, job), "text/plain; charset=utf-8"};
        else if (emit == std::optional<std::string>("kubernetes")) kept->answer = {planner::kubernetes_manifest(plan, job), "application/yaml"};
        else kept->answer = {planner::plan_to_json(plan).dump(2), "application/json"};
        // Planned from `now` when it has no earliest_start: such an answer is not kept.
        if (!key.empty() && job.earliest_start) {
            std::lock_guard lock(m_kept_mutex);
            if (m_kept.size() >= k_kept_plans) m_kept.clear();
            m_kept[key] = kept;
        }
        return kept->answer;
    } catch (const HttpError&) {
        throw;
    } catch (const Error& e) {
        // The job file's own messages name the table and field ("[job] power_w: must be > 0").
        throw HttpError::bad_field("job", e.what());
    }
}

}  // namespace powerml::server
