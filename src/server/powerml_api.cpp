#include "powerml/server/powerml_api.hpp"

#include <cctype>

#include <fmt/format.h>

#include "powerml/core/error.hpp"
#include "powerml/server/http_error.hpp"
#include "powerml/measure/job_ranks.hpp"
#include "powerml/measure/run_source.hpp"
#include "powerml/record/summary_json.hpp"
#include "powerml/store/run_store.hpp"
#include "powerml/store/store_location.hpp"

namespace powerml::server {

namespace {

void check_run_id(const std::string& id) {
    bool ok = !id.empty() && id.size() <= 64;
    for (const char c : id) ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '-');
    if (!ok) throw HttpError::bad_field("id", "a run id is 1-64 letters, digits and '-' (e.g. 20261123T131500Z-3f2a)");
}

}  // namespace

PowerMlApi::PowerMlApi(SeriesCache& cache, std::function<bool(const std::string&)> known_zone,
                       std::optional<std::filesystem::path> run_db, double max_range_s, std::function<UtcMillis()> now)
    : m_cache(cache), m_known(std::move(known_zone)), m_run_db(std::move(run_db)), m_max_range_s(max_range_s), m_now(std::move(now)) {}

nlohmann::json PowerMlApi::intensity(const QueryParams& q) const {
    const auto zone = q.one("zone");
    if (!zone) throw HttpError::bad_field("zone", "The zone field is required (a zone id such as CY, a country code or a cloud region).");
    check_location_text("zone", *zone);
    const UtcMillis from = q.time("from").value_or(m_now());
    const UtcMillis to = q.time("to").value_or(from + 86'400'000);
    if (to <= from) throw HttpError::bad_field("to", "'to' must be after 'from'");
    if ((to - from) / 1000.0 > m_max_range_s)
        throw HttpError::bad_field("to", fmt::format("the range is longer than this server allows ({:g} days)", m_max_range_s / 86400));
    std::shared_ptr<const carbon::IntensitySeries> s;
    try {
        s = m_cache.get(*zone, from, to);
    } catch (const std::exception& e) {
        if (!m_known(*zone)) throw HttpError::bad_field("zone", fmt::format("unknown zone '{}': GET /locations lists them", *zone));
        throw HttpError(502, "Grid-data source failed", e.what());
    }
    nlohmann::json j = {{"zone", s->zone},
                        {"unit", "gCO2eq/kWh"},
                        {"signal", carbon::to_string(s->signal)},
                        {"basis", carbon::to_string(s->basis)},
                        {"source", s->provider},
                        {"answered_by", s->answered_by},
                        {"attribution", s->attribution},
                        {"licence", s->licence},
                        {"note", s->note}};
    auto& points = j["points"] = nlohmann::json::array();
    for (const auto& p : s->points) {
        if (p.end() <= from || p.start >= to) continue;
        points.push_back({{"time", format_rfc3339(p.start)}, {"duration_s", p.duration_s}, {"value", p.g_per_kwh},
                          {"kind", carbon::to_string(p.kind)}});
    }
    return j;
}

nlohmann::json PowerMlApi::runs(const QueryParams& q) const {
    const long limit = q.integer("limit", 1, 1000).value_or(50);
    nlohmann::json out = nlohmann::json::array();
    if (!m_run_db || !store::run_store_exists(*m_run_db)) return out;
    try {
        const store::RunStore db(*m_run_db, store::RunStore::Mode::read_only);
        for (const auto& r : db.list(static_cast<std::size_t>(limit))) {
            out.push_back({{"id", r.id},
                           {"status", r.status},
                           {"started", format_rfc3339(r.started_utc_ms)},
                           {"duration_s", r.duration_s},
                           {"exit_status", r.exit_status ? nlohmann::json(*r.exit_status) : nlohmann::json(nullptr)},
                           {"net_j", r.net_j ? nlohmann::json(*r.net_j) : nlohmann::json(nullptr)},
                           {"g_co2e", r.g_co2e ? nlohmann::json(*r.g_co2e) : nlohmann::json(nullptr)},
                           {"command", r.command}});
        }
    } catch (const Error& e) {
        throw HttpError(500, "Run store unreadable", e.what());
    }
    return out;
}

nlohmann::json PowerMlApi::run(const std::string& id) const {
    check_run_id(id);
    if (!m_run_db || !store::run_store_exists(*m_run_db))
        throw HttpError(404, "Not Found", fmt::format("no run '{}': this server has no run store yet", id));
    measure::LoadedRun loaded;
    try {
        loaded = measure::load_run(id, *m_run_db);
    } catch (const Error& e) {
        // load_run() throws for none or several matches; both are the client's id.
        throw HttpError(404, "Not Found", e.what());
    }
    const auto& r = loaded.record;
    // The record as every other surface renders it: summary.json's own codec.
    const nlohmann::json summary = nlohmann::json::parse(record::summary_json(r, -1), nullptr, false);
    return {{"id", r.id},
            {"status", r.status},
            {"command", r.command},
            {"host", r.host},
            {"exit_status", r.status == "interrupted" ? nlohmann::json(nullptr) : nlohmann::json(r.exit_status)},
            {"zone", r.carbon.zone ? nlohmann::json(*r.carbon.zone) : nlohmann::json(nullptr)},
            {"summary", summary}};
}

std::string PowerMlApi::job(const std::string& key, const QueryParams& q) const {
    if (key.empty() || key.size() > 200) throw HttpError::bad_field("key", "a job key is 1 to 200 bytes");
    if (!m_run_db || !store::run_store_exists(*m_run_db))
        throw HttpError(404, "Not Found", fmt::format("no job '{}': this server has no run store yet", key));
    std::vector<std::string> expected;
    if (const auto nodes = q.one("expect_nodes")) {
        try {
            expected = measure::expand_hostlist(*nodes);
        } catch (const Error& e) {
            throw HttpError::bad_field("expect_nodes", e.what());
        }
    }
    try {
        return record::job_summary_json(measure::load_job(key, *m_run_db, expected), -1);
    } catch (const Error& e) {
        throw HttpError(404, "Not Found", e.what());
    }
}

}  // namespace powerml::server
