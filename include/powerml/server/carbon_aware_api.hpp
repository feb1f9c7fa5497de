#pragma once
// The Carbon Aware SDK Web API routes, answered from PowerML's grid-data layer so that a
// scheduler already written against the SDK can point at `powerml serve` unchanged:
//   GET  /emissions/bylocation, /emissions/bylocations, /emissions/bylocations/best
//   GET  /emissions/forecasts/current     POST /emissions/forecasts/batch
//   GET  /emissions/average-carbon-intensity  POST /emissions/average-carbon-intensity/batch
//   GET  /locations
// Shapes: docs/reference/http-api.md. Intensities are gCO2eq/kWh. Every fault is an HttpError.
#include <functional>
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
    nlohmann::json forecasts_current(const QueryParams& q) const;
    nlohmann::json forecasts_batch(const nlohmann::json& body) const;
    nlohmann::json average(const QueryParams& q) const;
    nlohmann::json average_batch(const nlohmann::json& body) const;
    // {"CY": {"name": "CY", "displayName": "Cyprus", "resolution": "hourly"}, ...}
    static nlohmann::json locations();

    // "01:00:00", "1.00:00:00": .NET TimeSpan text, which the SDK uses for "duration".
    static std::string timespan(double seconds);

private:
    std::shared_ptr<const carbon::IntensitySeries> series(const std::string& field, const std::string& location,
                                                          UtcMillis from, UtcMillis to) const;
    nlohmann::json emissions(const std::vector<std::string>& locations, const QueryParams& q) const;
    nlohmann::json forecast_one(const std::string& field_prefix, const std::string& location,
                                std::optional<UtcMillis> start, std::optional<UtcMillis> end,
                                std::optional<long> window_min, UtcMillis requested_at) const;
    nlohmann::json average_one(const std::string& field_prefix, const std::string& location,
                               std::optional<UtcMillis> start, std::optional<UtcMillis> end) const;
    void check_range(const std::string& field, UtcMillis from, UtcMillis to) const;

    SeriesCache& m_cache;
    std::function<bool(const std::string&)> m_known;
    Limits m_limits;
    std::function<UtcMillis()> m_now;
};

}  // namespace powerml::server
