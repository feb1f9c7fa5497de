#include "powerml/server/carbon_aware_api.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "powerml/carbon/embedded_data.hpp"
#include "powerml/carbon/history_forecast.hpp"
#include "powerml/core/error.hpp"
#include "powerml/server/http_error.hpp"
#include "powerml/server/window_average.hpp"

namespace powerml::server {

namespace {

constexpr UtcMillis k_hour_ms = 3'600'000;

std::optional<UtcMillis> json_time(const nlohmann::json& item, const std::string& key, const std::string& field) {
    if (!item.contains(key) || item[key].is_null()) return std::nullopt;
    if (!item[key].is_string()) throw HttpError::bad_field(field, fmt::format("'{}' must be an RFC 3339 time string", key));
    try {
        return parse_rfc3339(item[key].get<std::string>());
    } catch (const Error&) {
        throw HttpError::bad_field(field, fmt::format("'{}' is not an RFC 3339 time (e.g. 2024-06-01T12:00:00Z)", key));
    }
}

std::string json_location(const nlohmann::json& item, const std::string& field) {
    if (!item.contains("location") || !item["location"].is_string())
        throw HttpError::bad_field(field, "The location field is required and must be a string.");
    std::string location = item["location"].get<std::string>();
    check_location_text(field, location);
    return location;
}

const nlohmann::json& batch_items(const nlohmann::json& body, std::size_t max) {
    if (!body.is_array()) throw HttpError::bad_field("body", "the body must be a JSON array of request objects");
    if (body.empty()) throw HttpError::bad_field("body", "the body array is empty");
    if (body.size() > max)
        throw HttpError::bad_field("body", fmt::format("at most {} items per batch (got {})", max, body.size()));
    for (std::size_t i = 0; i < body.size(); ++i)
        if (!body[i].is_object()) throw HttpError::bad_field(fmt::format("[{}]", i), "each item must be a JSON object");
    return body;
}

}  // namespace

CarbonAwareApi::CarbonAwareApi(SeriesCache& cache, std::function<bool(const std::string&)> known_location, Limits limits,
                               std::function<UtcMillis()> now)
    : m_cache(cache), m_known(std::move(known_location)), m_limits(limits), m_now(std::move(now)) {}

std::string CarbonAwareApi::timespan(double seconds) {
    const long total = std::lround(seconds);
    const long days = total / 86400, h = total % 86400 / 3600, m = total % 3600 / 60, s = total % 60;
    return days > 0 ? fmt::format("{}.{:02}:{:02}:{:02}", days, h, m, s) : fmt::format("{:02}:{:02}:{:02}", h, m, s);
}

void CarbonAwareApi::check_range(const std::string& field, UtcMillis from, UtcMillis to) const {
    if (to <= from) throw HttpError::bad_field(field, "the end of the time range must be after its start");
    if ((to - from) / 1000.0 > m_limits.max_range_s)
        throw HttpError::bad_field(field, fmt::format("the time range is longer than this server allows ({:g} days)",
                                                      m_limits.max_range_s / 86400));
}

std::shared_ptr<const carbon::IntensitySeries> CarbonAwareApi::series(const std::string& field, const std::string& location,
                                                                      UtcMillis from, UtcMillis to) const {
    try {
        return m_cache.get(location, from, to);
    } catch (const HttpError&) {
        throw;
    } catch (const std::exception& e) {
        if (!m_known(location))
            throw HttpError::bad_field(field, fmt::format("unknown location '{}': GET /locations lists the zones and "
                                                          "cloud regions this server knows", location));
        throw HttpError(502, "Grid-data source failed", fmt::format("intensity for '{}': {}", location, e.what()));
    }
}

nlohmann::json CarbonAwareApi::emissions(const std::vector<std::string>& locations, const QueryParams& q) const {
    const auto time = q.time("time");
    const auto to_time = q.time("toTime");
    if (to_time && !time) throw HttpError::bad_field("time", "'toTime' needs 'time' as the start of the range");
    // No range: the value in force now; only `time`: the value in force then.
    const UtcMillis from = time.value_or(m_now());
    const UtcMillis to = to_time.value_or(from + 1);
    check_range("toTime", from, to);
    nlohmann::json out = nlohmann::json::array();
    for (const auto& location : locations) {
        const auto s = series("location", location, from, to);
        for (const auto& p : s->points) {
            if (p.end() <= from || p.start >= to) continue;
            out.push_back({{"location", location},
                           {"time", format_rfc3339(p.start)},
                           {"rating", p.g_per_kwh},
                           {"duration", timespan(p.duration_s)}});
        }
    }
    return out;
}

nlohmann::json CarbonAwareApi::emissions_by_location(const QueryParams& q) const {
    const auto locations = q.locations(1);
    return emissions(locations, q);
}

nlohmann::json CarbonAwareApi::emissions_by_locations(const QueryParams& q) const {
    return emissions(q.locations(m_limits.max_locations), q);
}

nlohmann::json CarbonAwareApi::best(const QueryParams& q) const {
    const nlohmann::json all = emissions(q.locations(m_limits.max_locations), q);
    nlohmann::json out = nlohmann::json::array();
    double lowest = INFINITY;
    for (const auto& e : all) lowest = std::min(lowest, e["rating"].get<double>());
    for (const auto& e : all)
        if (e["rating"].get<double>() == lowest) out.push_back(e);
    return out;
}

nlohmann::json CarbonAwareApi::forecast_one(const std::string& prefix, const std::string& location,
                                            std::optional<UtcMillis> start_opt, std::optional<UtcMillis> end_opt,
                                            std::optional<long> window_min, UtcMillis requested_at) const {
    const UtcMillis now = m_now();
    const UtcMillis start = start_opt.value_or(requested_at);
    const UtcMillis end = end_opt.value_or(start + 24 * k_hour_ms);
    check_range(prefix + "dataEndAt", start, end);
    std::shared_ptr<const carbon::IntensitySeries> s;
    std::string generated_at;
    if (requested_at < now - 60'000 && requested_at <= start) {
        // A forecast as it would have been made at requestedAt: the built-in forecaster over the
        // week of data before it (HistoryForecast), so past decisions can be replayed.
        const auto history = series(prefix + "location", location, requested_at - 8 * 24 * k_hour_ms, requested_at);
        try {
            s = std::make_shared<const carbon::IntensitySeries>(carbon::HistoryForecast::forecast(*history, requested_at, end));
            generated_at = format_rfc3339(requested_at);
        } catch (const Error&) {
            s.reset();  // too little history before requestedAt: the data layer's series instead
        }
    }
    if (!s) {
        s = series(prefix + "location", location, start, end);
        generated_at = format_rfc3339(now);
    }
    long window = window_min.value_or(0);
    if (window == 0) {
        const long point_min = s->points.empty() ? 60 : std::lround(s->points.front().duration_s / 60.0);
        window = std::max(1L, point_min);
    }
    if (window * 60'000L > end - start)
        throw HttpError::bad_field(prefix + "windowSize", fmt::format("windowSize ({} min) is longer than the range from "
                                                                      "dataStartAt to dataEndAt ({} min)",
                                                                      window, (end - start) / 60'000));
    const auto windows = WindowAverager(*s).rolling(start, end, window * 60'000L);
    nlohmann::json data = nlohmann::json::array();
    const WindowAverage* best = nullptr;
    for (const auto& w : windows) {
        data.push_back({{"location", location}, {"timestamp", format_rfc3339(w.start)}, {"duration", window}, {"value", w.g_per_kwh}});
        if (!best || w.g_per_kwh < best->g_per_kwh) best = &w;
    }
    nlohmann::json optimal = nlohmann::json::array();
    if (best)
        optimal.push_back({{"location", location}, {"timestamp", format_rfc3339(best->start)}, {"duration", window}, {"value", best->g_per_kwh}});
    return {{"generatedAt", generated_at},
            {"requestedAt", format_rfc3339(requested_at)},
            {"location", location},
            {"dataStartAt", format_rfc3339(start)},
            {"dataEndAt", format_rfc3339(end)},
            {"windowSize", window},
            {"optimalDataPoints", optimal},
            {"forecastData", data}};
}

nlohmann::json CarbonAwareApi::forecasts_current(const QueryParams& q) const {
    const auto locations = q.locations(m_limits.max_locations);
    const auto start = q.time("dataStartAt");
    const auto end = q.time("dataEndAt");
    const auto window = q.integer("windowSize", 1, static_cast<long>(m_limits.max_range_s / 60));
    const UtcMillis now = m_now();
    nlohmann::json out = nlohmann::json::array();
    for (const auto& location : locations) out.push_back(forecast_one("", location, start, end, window, now));
    return out;
}

nlohmann::json CarbonAwareApi::forecasts_batch(const nlohmann::json& body) const {
    nlohmann::json out = nlohmann::json::array();
    const UtcMillis now = m_now();
    const auto& items = batch_items(body, m_limits.max_batch);
    for (std::size_t i = 0; i < items.size(); ++i) {
        const std::string prefix = fmt::format("[{}].", i);
        const auto& item = items[i];
        const std::string location = json_location(item, prefix + "location");
        const auto requested = json_time(item, "requestedAt", prefix + "requestedAt");
        const auto start = json_time(item, "dataStartAt", prefix + "dataStartAt");
        const auto end = json_time(item, "dataEndAt", prefix + "dataEndAt");
        std::optional<long> window;
        if (item.contains("windowSize") && !item["windowSize"].is_null()) {
            const auto& w = item["windowSize"];
            if (!w.is_number_integer() || w.get<long>() < 1 || w.get<long>() > static_cast<long>(m_limits.max_range_s / 60))
                throw HttpError::bad_field(prefix + "windowSize", "windowSize must be a whole number of minutes >= 1");
            window = w.get<long>();
        }
        out.push_back(forecast_one(prefix, location, start, end, window, requested.value_or(now)));
    }
    return out;
}

nlohmann::json CarbonAwareApi::average_one(const std::string& prefix, const std::string& location,
                                           std::optional<UtcMillis> start, std::optional<UtcMillis> end) const {
    if (!start) throw HttpError::bad_field(prefix + "startTime", "The startTime field is required (RFC 3339).");
    if (!end) throw HttpError::bad_field(prefix + "endTime", "The endTime field is required (RFC 3339).");
    check_range(prefix + "endTime", *start, *end);
    const auto s = series(prefix + "location", location, *start, *end);
    const auto avg = WindowAverager(*s).average(*start, *end);
    if (!avg) throw HttpError(404, "No data", fmt::format("no intensity data for '{}' in that range", location));
    return {{"location", location}, {"startTime", format_rfc3339(*start)}, {"endTime", format_rfc3339(*end)}, {"carbonIntensity", *avg}};
}

nlohmann::json CarbonAwareApi::average(const QueryParams& q) const {
    const auto locations = q.locations(1);
    return average_one("", locations.front(), q.time("startTime"), q.time("endTime"));
}

nlohmann::json CarbonAwareApi::average_batch(const nlohmann::json& body) const {
    nlohmann::json out = nlohmann::json::array();
    const auto& items = batch_items(body, m_limits.max_batch);
    for (std::size_t i = 0; i < items.size(); ++i) {
        const std::string prefix = fmt::format("[{}].", i);
        const auto& item = items[i];
        // One statement per field: errors are reported in the order the fields are read.
        const std::string location = json_location(item, prefix + "location");
        const auto start = json_time(item, "startTime", prefix + "startTime");
        const auto end = json_time(item, "endTime", prefix + "endTime");
        out.push_back(average_one(prefix, location, start, end));
    }
    return out;
}

nlohmann::json CarbonAwareApi::locations() {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& z : carbon::EmbeddedData::instance().zones()) {
        nlohmann::json e = {{"name", z.zone}, {"displayName", z.name}, {"resolution", z.hourly_years.empty() ? "yearly" : "hourly"}};
        out[z.zone] = e;
    }
    return out;
}

}  // namespace powerml::server
