#include "powerml/server/carbon_aware_api.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>

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

CarbonAwareApi::EmissionScan CarbonAwareApi::emission_scan(const std::vector<std::string>& locations, const QueryParams& q) const {
    const auto time = query_time(q, "time");
    const auto to_time = query_time(q, "toTime");
    EmissionScan scan;
    scan.fill = fill_wanted(q.one("fill"), "fill");
    // The SDK's checks (CarbonAwareParameters: StartRequiredIfEnd, StartBeforeEnd).
    if (to_time && !time) throw HttpError::bad_field("time", "time must be defined if toTime is defined");
    // No range: the value in force now; only `time`: the value in force then (end = start).
    scan.from_now = !time;
    scan.from = time.value_or(m_now());
    scan.to = to_time.value_or(scan.from);
    if (to_time) {
        if (scan.to <= scan.from) throw HttpError::bad_field("time", "time must be before toTime");
        check_range("toTime", scan.from, scan.to);
    }
    scan.series.reserve(locations.size());
    for (const auto& location : locations) scan.series.push_back(series("location", location, scan.from, scan.to + 1));
    return scan;
}

void CarbonAwareApi::visit_emissions(const std::vector<std::string>& locations, const EmissionScan& scan,
                                     const EmissionVisitor& visit) {
    for (std::size_t i = 0; i < locations.size(); ++i)
        for (const auto& p : scan.series[i]->points) {
            if (!in_sdk_interval(p, scan.from, scan.to) || (p.filled && !scan.fill)) continue;
            visit(locations[i], p, scan.fill);
        }
}

void CarbonAwareApi::each_emission(const std::vector<std::string>& locations, const QueryParams& q,
                                   const EmissionVisitor& visit) const {
    visit_emissions(locations, emission_scan(locations, q), visit);
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
    const std::vector<std::string> locations = q.locations(m_limits.max_locations);
    return best_of(locations, emission_scan(locations, q));
}

nlohmann::json CarbonAwareApi::best_of(const std::vector<std::string>& locations, const EmissionScan& scan) const {
    // The lowest rating found on the typed points, and only its points made into JSON: a month
    // at 50 locations is 37,000 points, of which one or a few are answered. A point that ties
    // the lowest so far is kept; a lower one drops them (NaN ratings never win, as before).
    struct Winner {
        const std::string* location;  // into the request's list, alive for the whole call
        carbon::IntensityPoint point;
    };
    std::vector<Winner> winners;
    double lowest = INFINITY;
    visit_emissions(locations, scan, [&](const std::string& location, const carbon::IntensityPoint& p, bool) {
        if (p.g_per_kwh < lowest) {
            lowest = p.g_per_kwh;
            winners.clear();
        }
        if (p.g_per_kwh == lowest) winners.push_back({&location, p});
    });
    nlohmann::json out = nlohmann::json::array();
    for (const Winner& w : winners) out.push_back(emission_json(*w.location, w.point, scan.fill));
    return out;
}

std::string CarbonAwareApi::best_text(const QueryParams& q) const {
    const std::vector<std::string> locations = q.locations(m_limits.max_locations);
    EmissionScan scan = emission_scan(locations, q);  // the checks and the series, every time
    if (scan.from_now) return best_of(locations, scan).dump();
    std::string key = fmt::format("{}|{}|{}", scan.from, scan.to, scan.fill ? 1 : 0);
    for (const auto& location : locations) fmt::format_to(std::back_inserter(key), "|{}:{}", location.size(), location);
    {
        std::lock_guard lock(m_kept_mutex);
        const auto it = m_kept.find(key);
        if (it != m_kept.end() && it->second.series == scan.series) return it->second.text;
    }
    std::string text = best_of(locations, scan).dump();
    std::lock_guard lock(m_kept_mutex);
    if (m_kept.size() >= k_kept_answers) m_kept.clear();
    m_kept[key] = KeptAnswer{std::move(scan.series), text};
    return text;
}

nlohmann::json CarbonAwareApi::forecast_one(const std::string& prefix, const std::string& location, const ForecastRequest& r,
                                            UtcMillis now, ForecastScope* scope) const {
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
        if (scope && !r.requested_at) {
            // What the answer depends on besides the two times: the points in [from, to]
            // (the rest follows from them and the request). With dataStartAt given, the range
            // does not move; otherwise it starts now, so a point in it leaves at its end, and
            // one past a 24-hour range enters when now + 24 h reaches its start; a dataEndAt
            // is a 400 once now reaches it.
            scope->series = s;
            scope->valid_from = r.start ? std::numeric_limits<UtcMillis>::min() : now;
            scope->valid_until = std::numeric_limits<UtcMillis>::max();
            if (!r.start) {
                if (r.end) scope->valid_until = *r.end;
                for (const auto& p : s->points) {
                    if (p.filled && !r.fill) continue;
                    if (in_sdk_interval(p, from, to)) scope->valid_until = std::min(scope->valid_until, p.end());
                    else if (!r.end && p.start > to) scope->valid_until = std::min(scope->valid_until, p.start - (to - from));
                }
            }
        }
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

CarbonAwareApi::ForecastRequest CarbonAwareApi::current_request(const QueryParams& q, const Limits& limits) {
    ForecastRequest r;
    r.start = query_time(q, "dataStartAt");
    r.end = query_time(q, "dataEndAt");
    r.window_min = q.integer("windowSize", 0, static_cast<long>(limits.max_range_s / 60));
    r.fill = fill_wanted(q.one("fill"), "fill");
    return r;
}

nlohmann::json CarbonAwareApi::forecasts_current(const QueryParams& q) const {
    const auto locations = q.locations(m_limits.max_locations);
    const ForecastRequest r = current_request(q, m_limits);
    nlohmann::json out = nlohmann::json::array();
    for (const auto& location : locations) out.push_back(forecast_one("", location, r));
    return out;
}

std::string CarbonAwareApi::forecasts_current_text(const QueryParams& q) const {
    const auto dumped = [](const nlohmann::json& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); };
    const auto locations = q.locations(m_limits.max_locations);
    const ForecastRequest r = current_request(q, m_limits);
    if (locations.size() != 1) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& location : locations) out.push_back(forecast_one("", location, r));
        return dumped(out);
    }
    const std::string& location = locations.front();
    const UtcMillis now = m_now();
    const auto opt = [](const std::optional<UtcMillis>& t) { return t ? std::to_string(*t) : std::string("-"); };
    const std::string key = fmt::format("{}|{}|{}|{}|{}", opt(r.start), opt(r.end), r.window_min ? std::to_string(*r.window_min) : "-",
                                        r.fill ? 1 : 0, location);
    const std::string now_text = format_rfc3339(now);
    std::shared_ptr<const KeptForecast> kept;  // shared: a hit copies no text under the lock
    {
        std::lock_guard lock(m_kept_mutex);
        const auto it = m_kept_forecasts.find(key);
        if (it != m_kept_forecasts.end() && now >= it->second->scope.valid_from && now < it->second->scope.valid_until)
            kept = it->second;
    }
    if (kept) {
        // Still the cache's series? Asked for the range forecast_one would ask for.
        const UtcMillis from = r.start.value_or(now);
        const UtcMillis to = r.end.value_or(from + 24 * k_hour_ms);
        if (series("location", location, from, to + 1) == kept->scope.series)
            return kept->head + now_text + kept->middle + now_text + kept->tail;
    }
    ForecastScope scope;
    std::string text = dumped(nlohmann::json::array({forecast_one("", location, r, now, &scope)}));
    if (!scope.series) return text;
    const std::string generated = "\"generatedAt\":\"", requested = "\"requestedAt\":\"";
    const std::size_t g = text.find(generated + now_text + '"');
    const std::size_t q_at = g == std::string::npos ? g : text.find(requested + now_text + '"', g);
    if (q_at == std::string::npos) return text;  // not the shape expected: answered, not kept
    const std::size_t head_end = g + generated.size(), middle_end = q_at + requested.size();
    auto entry = std::make_shared<const KeptForecast>(KeptForecast{std::move(scope), text.substr(0, head_end),
                       text.substr(head_end + now_text.size(), middle_end - head_end - now_text.size()),
                       text.substr(middle_end + now_text.size())});
    std::lock_guard lock(m_kept_mutex);
    if (m_kept_forecasts.size() >= k_kept_answers) m_kept_forecasts.clear();
    m_kept_forecasts[key] = std::move(entry);
    return text;
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
