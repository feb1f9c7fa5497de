#include "powerml/server/carbon_aware_api.hpp"

#include <algorithm>
#include <cctype>
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

// A time in a JSON body. The SDK reads bodies with System.Text.Json, which takes ISO 8601
// with two-digit fields only ("2021-9-1T08:30:00Z" is a 400 in its own tests), so this is strict.
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

// `fill=estimated` (query) or "fill": "estimated" (batch item): PowerML's extension that lets
// points the source's data does not cover be answered from its typical-profile estimate.
bool fill_wanted(const std::optional<std::string>& value, const std::string& field) {
    if (!value) return false;
    if (*value == "estimated") return true;
    throw HttpError::bad_field(field, fmt::format("'fill' takes the one value 'estimated' (got '{}')", value->substr(0, 32)));
}

bool json_fill(const nlohmann::json& item, const std::string& field) {
    if (!item.contains("fill") || item["fill"].is_null()) return false;
    if (!item["fill"].is_string()) throw HttpError::bad_field(field, "'fill' must be the string 'estimated'");
    return fill_wanted(item["fill"].get<std::string>(), field);
}

// The points a route may answer from: the source's own data, plus filled-in ones when asked.
carbon::IntensitySeries usable(const carbon::IntensitySeries& s, bool fill) {
    carbon::IntensitySeries out = s;
    out.points.clear();
    for (const auto& p : s.points)
        if (fill || !p.filled) out.points.push_back(p);
    return out;
}

// The SDK's interval rule (IntervalHelper.FilterByDuration): a point belongs to [from, to] when
// it ends after `from` and starts at or before `to` -- a point starting exactly at `to` is in.
bool in_sdk_interval(const carbon::IntensityPoint& p, UtcMillis from, UtcMillis to) { return p.end() > from && p.start <= to; }

// PowerML's labels on an answer that used its extensions; absent otherwise.
void label_extensions(nlohmann::json& out, const carbon::IntensitySeries& s, long filled, const std::string& forecaster) {
    nlohmann::json ext = nlohmann::json::object();
    if (filled > 0) {
        ext["filledPoints"] = filled;
        ext["fill"] = "estimated: times the source's data does not cover, from PowerML's typical profile";
        if (!s.note.empty()) ext["note"] = s.note;
    }
    if (!forecaster.empty()) ext["forecaster"] = forecaster;
    if (!ext.empty()) out["powerml"] = ext;
}

}  // namespace

UtcMillis CarbonAwareApi::sdk_query_time(const std::string& name, const std::string& text) {
    // ASP.NET binds query times with DateTimeOffset.Parse, which takes one-digit month, day,
    // hour, minute and second ("2022-1-1T04:05:06Z", its own tests' spelling) and a '+' offset
    // that arrived as a space because the client did not percent-encode it.
    std::string t = text;
    while (!t.empty() && t.back() == ' ') t.pop_back();
    while (!t.empty() && t.front() == ' ') t.erase(t.begin());
    std::string out;
    std::size_t i = 0;
    auto field = [&](std::size_t max_digits) {
        std::size_t j = i;
        while (j < t.size() && j - i < max_digits && std::isdigit(static_cast<unsigned char>(t[j]))) ++j;
        if (j == i) return false;
        std::string digits = t.substr(i, j - i);
        if (max_digits == 2 && digits.size() == 1) digits = "0" + digits;
        out += digits;
        i = j;
        return true;
    };
    auto sep = [&](char c) {
        if (i < t.size() && t[i] == c) {
            out += c;
            ++i;
            return true;
        }
        return false;
    };
    bool ok = field(4) && sep('-') && field(2) && sep('-') && field(2);
    if (ok && i < t.size() && (t[i] == 'T' || t[i] == 't' || t[i] == ' ')) {
        out += 'T';
        ++i;
        ok = field(2) && sep(':') && field(2);
        if (ok && sep(':')) ok = field(2);
        if (ok && i < t.size() && (t[i] == '.' || t[i] == ',')) {
            const std::size_t j = t.find_first_not_of("0123456789", i + 1);
            out += t.substr(i, (j == std::string::npos ? t.size() : j) - i);
            i = j == std::string::npos ? t.size() : j;
        }
        if (ok && i < t.size() && t[i] == ' ') t[i] = '+';  // '+' decoded to a space
    }
    if (ok) out += t.substr(i);
    try {
        if (ok) return parse_rfc3339(out);
    } catch (const Error&) {
    }
    throw HttpError::bad_field(name, fmt::format("'{}' is not an RFC 3339 time (e.g. 2024-06-01T12:00:00Z; one-digit fields are read too): '{}'", name,
                                                 text.substr(0, 64)));
}

std::optional<UtcMillis> CarbonAwareApi::query_time(const QueryParams& q, const std::string& name) {
    const auto text = q.one(name);
    if (!text) return std::nullopt;
    return sdk_query_time(name, *text);
}

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

void CarbonAwareApi::each_emission(const std::vector<std::string>& locations, const QueryParams& q,
                                   const EmissionVisitor& visit) const {
    const auto time = query_time(q, "time");
    const auto to_time = query_time(q, "toTime");
    const bool fill = fill_wanted(q.one("fill"), "fill");
    // The SDK's checks (CarbonAwareParameters: StartRequiredIfEnd, StartBeforeEnd).
    if (to_time && !time) throw HttpError::bad_field("time", "time must be defined if toTime is defined");
    // No range: the value in force now; only `time`: the value in force then (end = start).
    const UtcMillis from = time.value_or(m_now());
    const UtcMillis to = to_time.value_or(from);
    if (to_time) {
        if (to <= from) throw HttpError::bad_field("time", "time must be before toTime");
        check_range("toTime", from, to);
    }
    for (const auto& location : locations) {
        const auto s = series("location", location, from, to + 1);
        for (const auto& p : s->points) {
            if (!in_sdk_interval(p, from, to) || (p.filled && !fill)) continue;
            visit(location, p, fill);
        }
    }
}

nlohmann::json CarbonAwareApi::emission_json(const std::string& location, const carbon::IntensityPoint& p, bool fill) {
    nlohmann::json e = {{"location", location},
                        {"time", format_rfc3339(p.start)},
                        {"rating", p.g_per_kwh},
                        {"duration", timespan(p.duration_s)}};
    if (fill) {
        e["kind"] = std::string(carbon::to_string(p.kind));
        e["filled"] = p.filled;
    }
    return e;
}

nlohmann::json CarbonAwareApi::emissions(const std::vector<std::string>& locations, const QueryParams& q) const {
    nlohmann::json out = nlohmann::json::array();
    each_emission(locations, q, [&](const std::string& location, const carbon::IntensityPoint& p, bool fill) {
        out.push_back(emission_json(location, p, fill));
    });
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
    // The lowest rating found on the typed points, and only its points made into JSON: a month
    // at 50 locations is 37,000 points, of which one or a few are answered. A point that ties
    // the lowest so far is kept; a lower one drops them (NaN ratings never win, as before).
    struct Winner {
        const std::string* location;  // into the request's list, alive for the whole call
        carbon::IntensityPoint point;
    };
    std::vector<Winner> winners;
    double lowest = INFINITY;
    bool fill = false;
    const std::vector<std::string> locations = q.locations(m_limits.max_locations);
    each_emission(locations, q, [&](const std::string& location, const carbon::IntensityPoint& p, bool f) {
        fill = f;
        if (p.g_per_kwh < lowest) {
            lowest = p.g_per_kwh;
            winners.clear();
        }
        if (p.g_per_kwh == lowest) winners.push_back({&location, p});
    });
    nlohmann::json out = nlohmann::json::array();
    for (const Winner& w : winners) out.push_back(emission_json(*w.location, w.point, fill));
    return out;
}

nlohmann::json CarbonAwareApi::forecast_one(const std::string& prefix, const std::string& location, const ForecastRequest& r) const {
    const UtcMillis now = m_now();
    const UtcMillis requested_at = r.requested_at.value_or(now);
    if (r.start && r.end && *r.start >= *r.end)
        throw HttpError::bad_field(prefix + "dataStartAt", "dataStartAt must be earlier than dataEndAt");
    const UtcMillis from = r.start.value_or(requested_at);
    const UtcMillis to = r.end.value_or(from + 24 * k_hour_ms);
    check_range(prefix + "dataEndAt", from, to);

    std::shared_ptr<const carbon::IntensitySeries> s;
    std::string generated_at, forecaster;
    if (requested_at < now - 60'000 && requested_at <= from) {
        // A forecast as it would have been made at requestedAt: PowerML's built-in forecaster over
        // the week of data before it (HistoryForecast), so past decisions can be replayed. It is
        // used only when that week is the source's own data, unless fill was asked for.
        const auto history = series(prefix + "location", location, requested_at - 8 * 24 * k_hour_ms, requested_at);
        const bool history_filled =
            std::any_of(history->points.begin(), history->points.end(), [](const auto& p) { return p.filled; });
        if (r.fill || !history_filled) {
            try {
                auto f = carbon::HistoryForecast::forecast(*history, requested_at, to + 1);
                if (history_filled)
                    for (auto& p : f.points) p.filled = true;
                s = std::make_shared<const carbon::IntensitySeries>(std::move(f));
                generated_at = format_rfc3339(requested_at);
                forecaster = s->note;
            } catch (const Error&) {
                s.reset();  // too little history before requestedAt: the data layer's series instead
            }
        }
    }
    if (!s) {
        s = series(prefix + "location", location, from, to + 1);
        generated_at = format_rfc3339(now);
    }

    // The points in the range, as the SDK scopes a forecast (FilterByDuration on dataStartAt,
    // dataEndAt); then the range must lie within them (EmissionsForecast.Validate).
    carbon::IntensitySeries data = usable(*s, r.fill);
    std::erase_if(data.points, [&](const auto& p) { return !in_sdk_interval(p, from, to); });
    if (data.points.empty())
        throw HttpError::bad_field(r.start ? prefix + "dataStartAt" : prefix + "location",
                                   fmt::format("no forecast data for '{}' from {} to {}: the source's data does not cover it "
                                               "(fill=estimated answers from PowerML's typical profile, labelled)",
                                               location, format_rfc3339(from), format_rfc3339(to)));
    const UtcMillis min_time = data.points.front().start, max_time = data.points.back().end();
    if (r.start && (*r.start < min_time || *r.start > max_time))
        throw HttpError::bad_field(prefix + "dataStartAt",
                                   fmt::format("dataStartAt must be within time range of the forecasted data, '{}' through '{}'",
                                               format_rfc3339(min_time), format_rfc3339(max_time)));
    if (r.end && (*r.end < min_time || *r.end > max_time))
        throw HttpError::bad_field(prefix + "dataEndAt",
                                   fmt::format("dataEndAt must be within time range of the forecasted data, '{}' through '{}'",
                                               format_rfc3339(min_time), format_rfc3339(max_time)));
    const UtcMillis data_start = r.start.value_or(min_time);
    const UtcMillis data_end = r.end.value_or(max_time);

    struct Row {
        UtcMillis start;
        long minutes;
        double value;
    };
    std::vector<Row> rows;
    const long window = r.window_min.value_or(0);
    if (window == 0) {
        // No window: the SDK returns the scoped points themselves, each with its own duration.
        for (const auto& p : data.points) rows.push_back({p.start, static_cast<long>(p.duration_s / 60.0), p.g_per_kwh});
    } else {
        for (const auto& w : WindowAverager(data).rolling(data_start, data_end, window * 60'000L))
            rows.push_back({w.start, window, w.g_per_kwh});
    }
    nlohmann::json points = nlohmann::json::array(), optimal = nlohmann::json::array();
    double lowest = INFINITY;
    for (const auto& row : rows) {
        points.push_back({{"location", location}, {"timestamp", format_rfc3339(row.start)}, {"duration", row.minutes}, {"value", row.value}});
        lowest = std::min(lowest, row.value);
    }
    for (const auto& p : points)
        if (p["value"].get<double>() == lowest) optimal.push_back(p);  // every tie, as the SDK does
    const long filled = std::count_if(data.points.begin(), data.points.end(), [](const auto& p) { return p.filled; });
    nlohmann::json out = {{"generatedAt", generated_at},
                          {"requestedAt", format_rfc3339(requested_at)},
                          {"location", location},
                          // Given bounds are echoed; otherwise the first and last point's times, as the SDK does.
                          {"dataStartAt", format_rfc3339(r.start.value_or(min_time))},
                          {"dataEndAt", format_rfc3339(r.end.value_or(data.points.back().start))},
                          {"windowSize", window},
                          {"optimalDataPoints", optimal},
                          {"forecastData", points}};
    label_extensions(out, *s, filled, forecaster);
    return out;
}

nlohmann::json CarbonAwareApi::forecasts_current(const QueryParams& q) const {
    const auto locations = q.locations(m_limits.max_locations);
    ForecastRequest r;
    r.start = query_time(q, "dataStartAt");
    r.end = query_time(q, "dataEndAt");
    r.window_min = q.integer("windowSize", 0, static_cast<long>(m_limits.max_range_s / 60));
    r.fill = fill_wanted(q.one("fill"), "fill");
    nlohmann::json out = nlohmann::json::array();
    for (const auto& location : locations) out.push_back(forecast_one("", location, r));
    return out;
}

nlohmann::json CarbonAwareApi::forecasts_batch(const nlohmann::json& body) const {
    nlohmann::json out = nlohmann::json::array();
    const auto& items = batch_items(body, m_limits.max_batch);
    for (std::size_t i = 0; i < items.size(); ++i) {
        const std::string prefix = fmt::format("[{}].", i);
        const auto& item = items[i];
        const std::string location = json_location(item, prefix + "location");
        ForecastRequest r;
        r.requested_at = json_time(item, "requestedAt", prefix + "requestedAt");
        // The SDK requires requestedAt in a batch item (ForecastHandler.GetForecastByDateAsync).
        if (!r.requested_at) throw HttpError::bad_field(prefix + "requestedAt", "requestedAt is not set");
        r.start = json_time(item, "dataStartAt", prefix + "dataStartAt");
        r.end = json_time(item, "dataEndAt", prefix + "dataEndAt");
        if (item.contains("windowSize") && !item["windowSize"].is_null()) {
            const auto& w = item["windowSize"];
            if (!w.is_number_integer() || w.get<long>() < 0 || w.get<long>() > static_cast<long>(m_limits.max_range_s / 60))
                throw HttpError::bad_field(prefix + "windowSize", "windowSize must be a whole number of minutes >= 0");
            r.window_min = w.get<long>();
        }
        r.fill = json_fill(item, prefix + "fill");
        out.push_back(forecast_one(prefix, location, r));
    }
    return out;
}

nlohmann::json CarbonAwareApi::average_one(const std::string& prefix, const std::string& location, std::optional<UtcMillis> start,
                                           std::optional<UtcMillis> end, bool fill) const {
    if (!start) throw HttpError::bad_field(prefix + "startTime", "The startTime field is required (RFC 3339).");
    if (!end) throw HttpError::bad_field(prefix + "endTime", "The endTime field is required (RFC 3339).");
    if (*end <= *start) throw HttpError::bad_field(prefix + "startTime", "startTime must be before endTime");
    check_range(prefix + "endTime", *start, *end);
    const auto s = series(prefix + "location", location, *start, *end + 1);
    const carbon::IntensitySeries data = usable(*s, fill);
    const WindowAverager averager(data);
    // As the SDK's AverageOverPeriod: the data must cover the whole period, or it is a 400.
    if (averager.covered_ms(*start, *end) < *end - *start)
        throw HttpError::bad_field(prefix + (averager.covered_ms(*start, *start + 1) < 1 ? "startTime" : "endTime"),
                                   fmt::format("Period out of range. Data points did not cover the requested average period: "
                                               "{} through {}{}",
                                               format_rfc3339(*start), format_rfc3339(*end),
                                               fill ? "" : " (fill=estimated answers from PowerML's typical profile, labelled)"));
    nlohmann::json out = {{"location", location},
                          {"startTime", format_rfc3339(*start)},
                          {"endTime", format_rfc3339(*end)},
                          {"carbonIntensity", *averager.average(*start, *end)}};
    long filled = 0;
    for (const auto& p : data.points)
        if (p.filled && p.end() > *start && p.start < *end) ++filled;
    label_extensions(out, *s, filled, "");
    return out;
}

nlohmann::json CarbonAwareApi::average(const QueryParams& q) const {
    const auto locations = q.locations(1);
    return average_one("", locations.front(), query_time(q, "startTime"), query_time(q, "endTime"), fill_wanted(q.one("fill"), "fill"));
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
        const bool fill = json_fill(item, prefix + "fill");
        out.push_back(average_one(prefix, location, start, end, fill));
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
