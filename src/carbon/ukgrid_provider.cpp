#include "powerml/carbon/ukgrid_provider.hpp"

#include <algorithm>

#include "provider_util.hpp"

namespace powerml::carbon {

UkGridProvider::UkGridProvider(std::string base_url, HttpOptions http) : m_http("ukgrid", std::move(base_url), http) {}

namespace {
// The API writes times as 2018-01-20T12:00Z in paths too.
std::string path_time(UtcMillis t) { return format_rfc3339(t).substr(0, 16) + "Z"; }

void read_periods(const nlohmann::json& arr, IntensitySeries& s, const std::string& what) {
    if (!arr.is_array()) detail::shape_error("ukgrid", what, "no data array");
    for (const auto& item : arr) {
        if (!item.is_object() || !item.contains("from") || !item.contains("to") || !item.contains("intensity") ||
            !item["from"].is_string() || !item["to"].is_string() || !item["intensity"].is_object())
            detail::shape_error("ukgrid", what, "period without from/to/intensity");
        const auto& in = item["intensity"];
        const UtcMillis a = detail::parse_api_time(item["from"].get<std::string>());
        const UtcMillis b = detail::parse_api_time(item["to"].get<std::string>());
        if (b <= a) detail::shape_error("ukgrid", what, "period ends before it starts");
        if (in.contains("actual") && in["actual"].is_number()) {
            s.points.push_back({a, (b - a) / 1000.0, in["actual"].get<double>(), PointKind::measured});
        } else if (in.contains("forecast") && in["forecast"].is_number()) {
            s.points.push_back({a, (b - a) / 1000.0, in["forecast"].get<double>(), PointKind::forecast});
        }
    }
}
}  // namespace

IntensitySeries UkGridProvider::fetch(const std::string& zone, UtcMillis from, UtcMillis to) {
    IntensitySeries s;
    s.zone = zone;
    s.signal = SignalType::average;
    s.basis = FactorBasis::direct;  // the API counts operational emissions (plus imports)
    s.provider = "ukgrid";
    s.attribution = "National Grid ESO Carbon Intensity API";
    s.licence = "CC-BY-4.0";
    std::string region;
    if (zone.rfind("GB:", 0) == 0) region = zone.substr(3);
    else if (zone != "GB") throw Error("ukgrid covers zone GB (national) or GB:<regionid> 1-17, not '" + zone + "'");
    const UtcMillis page = 14LL * 86'400'000;
    for (UtcMillis a = from; a < to; a += page) {
        const UtcMillis b = std::min(a + page, to);
        if (region.empty()) {
            const std::string what = "national intensity";
            const auto j = detail::parse_json(m_http.get("/intensity/" + path_time(a) + "/" + path_time(b)), "ukgrid", what);
            if (!j.is_object()) detail::shape_error("ukgrid", what, "not an object");
            read_periods(j.value("data", nlohmann::json()), s, what);
        } else {
            const std::string what = "regional intensity " + region;
            const auto j = detail::parse_json(
                m_http.get("/regional/intensity/" + path_time(a) + "/" + path_time(b) + "/regionid/" + url_encode(region)),
                "ukgrid", what);
            if (!j.is_object() || !j.contains("data")) detail::shape_error("ukgrid", what, "no data");
            // The regional answer nests the periods one level down: {data:{regionid,...,data:[...]}}.
            const auto& d = j["data"].is_array() && !j["data"].empty() ? j["data"][0] : j["data"];
            if (!d.is_object()) detail::shape_error("ukgrid", what, "data is not an object");
            read_periods(d.value("data", nlohmann::json()), s, what);
        }
    }
    detail::normalise(s);
    std::erase_if(s.points, [&](const IntensityPoint& p) { return p.end() <= from || p.start >= to; });
    return s;
}

}  // namespace powerml::carbon
