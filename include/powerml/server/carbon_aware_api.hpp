#pragma once
// The Carbon Aware SDK Web API routes, answered from PowerML's grid-data layer so that a
// scheduler already written against the SDK can point at `powerml serve` unchanged:
//   GET  /emissions/bylocation, /emissions/bylocations, /emissions/bylocations/best
//   GET  /emissions/forecasts/current     POST /emissions/forecasts/batch
//   GET  /emissions/average-carbon-intensity  POST /emissions/average-carbon-intensity/batch
//   GET  /locations
// Behaviour follows the SDK's own source (Green-Software-Foundation/carbon-aware-sdk): its
// interval rule, rolling windows, validation and status codes; where PowerML differs or
// extends (fill=estimated, the built-in forecaster) the answer says so in a "powerml" object.
// Shapes: docs/reference/http-api.md, docs/reference/compatibility.md. Intensities are
// gCO2eq/kWh. Every fault is an HttpError. An empty emissions answer is an empty array, which
// the HTTP layer sends as 204 No Content, as the SDK does.
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "powerml/server/query_params.hpp"
#include "powerml/server/series_cache.hpp"

namespace powerml::server {

class CarbonAwareApi {
public:
    struct Limits {
        std::size_t max_locations = 50;     // per request
        std::size_t max_batch = 100;        // items in a batch body
        double max_range_s = 31 * 86400.0;  // longest time range one item may ask for
    };
    // `known_location` tells an unknown location (400) from a failing data source (502).
    CarbonAwareApi(SeriesCache& cache, std::function<bool(const std::string&)> known_location, Limits limits,
                   std::function<UtcMillis()> now);

    nlohmann::json emissions_by_location(const QueryParams& q) const;   // one location
    nlohmann::json emissions_by_locations(const QueryParams& q) const;  // several
    nlohmann::json best(const QueryParams& q) const;
    // best(q) as the route sends it (dumped). An answer over a given range (time=...) is the
    // same bytes for as long as the series cache holds the same series, so it is kept and
    // sent again until one of them changes (refetched, expired); a range from "now" is not kept.
    std::string best_text(const QueryParams& q) const;
    nlohmann::json forecasts_current(const QueryParams& q) const;
    // forecasts_current(q) as the route sends it (dumped, invalid UTF-8 replaced). For one
    // location the answer's bytes differ from one request to the next only in generatedAt and
    // requestedAt (the current time) until a point enters or leaves the range, or the series
    // changes: so the rest is kept, with the time span it holds for, and the time put in.
    std::string forecasts_current_text(const QueryParams& q) const;
    nlohmann::json forecasts_batch(const nlohmann::json& body) const;
    nlohmann::json average(const QueryParams& q) const;
    nlohmann::json average_batch(const nlohmann::json& body) const;
    // {"CY": {"name": "CY", "displayName": "Cyprus", "resolution": "hourly"}, ...}
    static nlohmann::json locations();

    // "01:00:00", "1.00:00:00": .NET TimeSpan text, which the SDK uses for "duration".
    static std::string timespan(double seconds);

    // A time in a query string, read as leniently as ASP.NET binds one (one-digit fields,
    // "2022-1-1T04:05:06Z"; a '+' offset decoded to a space). 400 naming `name` otherwise.
    static UtcMillis sdk_query_time(const std::string& name, const std::string& text);

private:
    std::shared_ptr<const carbon::IntensitySeries> series(const std::string& field, const std::string& location,
                                                          UtcMillis from, UtcMillis to) const;
    // Calls visit(location, point, fill) for each point the emissions routes answer, in the
    // order they answer them, after the query's checks; `fill` is whether fill=estimated was asked.
    using EmissionVisitor = std::function<void(const std::string&, const carbon::IntensityPoint&, bool)>;
    void each_emission(const std::vector<std::string>& locations, const QueryParams& q, const EmissionVisitor& visit) const;
    // What each_emission reads: the query's range after its checks, and each location's series.
    struct EmissionScan {
        UtcMillis from = 0, to = 0;
        bool fill = false;
        bool from_now = false;  // no `time`: the range starts at the current time
        std::vector<std::shared_ptr<const carbon::IntensitySeries>> series;  // one per location
    };
    EmissionScan emission_scan(const std::vector<std::string>& locations, const QueryParams& q) const;
    static void visit_emissions(const std::vector<std::string>& locations, const EmissionScan& scan, const EmissionVisitor& visit);
    nlohmann::json best_of(const std::vector<std::string>& locations, const EmissionScan& scan) const;
    nlohmann::json emissions(const std::vector<std::string>& locations, const QueryParams& q) const;
    static nlohmann::json emission_json(const std::string& location, const carbon::IntensityPoint& p, bool fill);
    struct ForecastRequest {
        std::optional<UtcMillis> requested_at;  // now when absent (the current route)
        std::optional<UtcMillis> start, end;    // dataStartAt, dataEndAt
        std::optional<long> window_min;         // windowSize; echoed as given, 0 when absent
        bool fill = false;                      // PowerML's extension: fill=estimated
    };
    static std::optional<UtcMillis> query_time(const QueryParams& q, const std::string& name);
    nlohmann::json forecast_one(const std::string& field_prefix, const std::string& location, const ForecastRequest& r) const {
        return forecast_one(field_prefix, location, r, m_now(), nullptr);
    }
    // As of `now`; for the current route (no requestedAt) it also says through `scope` the
    // series it answered from and the times `now` may take with the same points in range.
    struct ForecastScope {
        std::shared_ptr<const carbon::IntensitySeries> series;
        UtcMillis valid_from = 0, valid_until = 0;  // [valid_from, valid_until)
    };
    nlohmann::json forecast_one(const std::string& field_prefix, const std::string& location, const ForecastRequest& r,
                                UtcMillis now, ForecastScope* scope) const;
    static ForecastRequest current_request(const QueryParams& q, const Limits& limits);
    nlohmann::json average_one(const std::string& field_prefix, const std::string& location, std::optional<UtcMillis> start,
                               std::optional<UtcMillis> end, bool fill) const;
    void check_range(const std::string& field, UtcMillis from, UtcMillis to) const;

    SeriesCache& m_cache;
    std::function<bool(const std::string&)> m_known;
    Limits m_limits;
    std::function<UtcMillis()> m_now;

    // best_text's answers, by locations, range and fill; each valid while its series are the
    // cache's (held here, so a series freed and another allocated at its address cannot match).
    struct KeptAnswer {
        std::vector<std::shared_ptr<const carbon::IntensitySeries>> series;
        std::string text;
    };
    static constexpr std::size_t k_kept_answers = 256;  // then all are dropped: memory stays bounded
    mutable std::mutex m_kept_mutex;
    mutable std::map<std::string, KeptAnswer> m_kept;
    // forecasts_current_text's answers: the text around the two times, and when it holds.
    struct KeptForecast {
        ForecastScope scope;
        std::string head, middle, tail;  // head + now + middle + now + tail
    };
    mutable std::map<std::string, std::shared_ptr<const KeptForecast>> m_kept_forecasts;  // under m_kept_mutex
};

}  // namespace powerml::server
