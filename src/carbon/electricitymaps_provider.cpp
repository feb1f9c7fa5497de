#include "powerml/carbon/electricitymaps_provider.hpp"

#include <algorithm>

#include "provider_util.hpp"

namespace powerml::carbon {

ElectricityMapsProvider::ElectricityMapsProvider(std::string base_url, std::string key, FactorBasis basis,
                                                 HttpOptions http, int page_days)
    : m_http("electricitymaps", std::move(base_url), http), m_key(std::move(key)), m_basis(basis),
      m_page_days(std::max(1, page_days)) {}

namespace {
void read_points(const nlohmann::json& arr, PointKind default_kind, IntensitySeries& s, const std::string& what) {
    if (!arr.is_array()) detail::shape_error("electricitymaps", what, "no history/data/forecast array");
    for (const auto& item : arr) {
        if (!item.is_object() || !item.contains("datetime")) detail::shape_error("electricitymaps", what, "item without datetime");
        const auto& ci = item.value("carbonIntensity", nlohmann::json());
        if (ci.is_null()) continue;  // hour not yet computed: a gap, not a zero
        if (!ci.is_number()) detail::shape_error("electricitymaps", what, "carbonIntensity is not a number");
        PointKind kind = default_kind;
        if (default_kind == PointKind::measured && item.value("isEstimated", false)) kind = PointKind::estimated;
        try {
            s.points.push_back({detail::parse_api_time(item["datetime"].get<std::string>()), 3600.0, ci.get<double>(), kind});
        } catch (const nlohmann::json::exception&) {
            detail::shape_error("electricitymaps", what, "datetime is not text");
        }
    }
}
}  // namespace

IntensitySeries ElectricityMapsProvider::fetch(const std::string& zone, UtcMillis from, UtcMillis to) {
    IntensitySeries s;
    s.zone = zone;
    s.signal = SignalType::average;
    s.basis = m_basis;
    s.provider = "electricitymaps";
    s.attribution = "Electricity Maps";
    s.licence = "Electricity Maps API terms";
    const std::map<std::string, std::string> headers = {{"auth-token", m_key}};
    const std::string factor = m_basis == FactorBasis::lifecycle ? "lifecycle" : "direct";
    const UtcMillis now = utc_now_ms();
    const UtcMillis page = static_cast<UtcMillis>(m_page_days) * 86'400'000;
    for (UtcMillis a = from; a < std::min(to, now); a += page) {
        const UtcMillis b = std::min({a + page, to, now});
        const std::string what = "past-range " + zone;
        const auto j = detail::parse_json(
            m_http.get("/carbon-intensity/past-range?zone=" + url_encode(zone) + "&start=" + url_encode(detail::api_time(a)) +
                           "&end=" + url_encode(detail::api_time(b)) + "&emissionFactorType=" + factor,
                       headers),
            "electricitymaps", what);
        if (!j.is_object()) detail::shape_error("electricitymaps", what, "not an object");
        read_points(j.contains("data") ? j["data"] : j.value("history", nlohmann::json()), PointKind::measured, s, what);
    }
    if (to > now) {
        const std::string what = "forecast " + zone;
        const auto j = detail::parse_json(m_http.get("/carbon-intensity/forecast?zone=" + url_encode(zone), headers),
                                          "electricitymaps", what);
        if (!j.is_object()) detail::shape_error("electricitymaps", what, "not an object");
        IntensitySeries f;
        read_points(j.value("forecast", nlohmann::json()), PointKind::forecast, f, what);
        for (const auto& p : f.points)
            if (p.start >= now || s.points.empty() || p.start > s.points.back().start) s.points.push_back(p);
    }
    detail::normalise(s);
    std::erase_if(s.points, [&](const IntensityPoint& p) { return p.end() <= from || p.start >= to; });
    return s;
}

}  // namespace powerml::carbon
