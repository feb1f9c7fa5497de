#include "powerml/carbon/watttime_provider.hpp"

#include <algorithm>

#include "powerml/core/units.hpp"
#include "provider_util.hpp"

namespace powerml::carbon {

std::string WattTimeProvider::default_auth_url(const std::string& base_url) {
    std::string root = base_url;
    while (!root.empty() && root.back() == '/') root.pop_back();
    if (root.size() >= 3 && root.compare(root.size() - 3, 3, "/v3") == 0) root.resize(root.size() - 3);
    return root;
}

WattTimeProvider::WattTimeProvider(std::string base_url, std::string auth_url, std::string user, std::string password,
                                   std::string signal_type, HttpOptions http)
    : m_http("watttime", base_url, http),
      m_auth("watttime", auth_url.empty() ? default_auth_url(base_url) : std::move(auth_url), http),
      m_user(std::move(user)), m_password(std::move(password)),
      m_signal_type(std::move(signal_type)) {
    if (m_signal_type != "co2_moer" && m_signal_type != "co2_aoer")
        throw Error("provider.watttime.signal must be co2_moer (marginal) or co2_aoer (average), got '" + m_signal_type + "'");
    if (m_user.empty() || m_password.empty())
        throw Error("watttime needs provider.watttime.user and provider.watttime.key (the password); set them in the "
                    "config file or POWERML_PROVIDER_WATTTIME_USER / POWERML_PROVIDER_WATTTIME_KEY");
}

std::string WattTimeProvider::login() {
    if (!m_token.empty()) return m_token;
    const auto j = detail::parse_json(m_auth.get("/login", {}, m_user, m_password), "watttime", "login");
    if (!j.is_object() || !j.contains("token") || !j["token"].is_string())
        detail::shape_error("watttime", "login", "no token in the answer");
    m_token = j["token"].get<std::string>();
    return m_token;
}

namespace {
void read_data(const nlohmann::json& j, PointKind kind, IntensitySeries& s, const std::string& what) {
    if (!j.is_object() || !j.contains("data") || !j["data"].is_array()) detail::shape_error("watttime", what, "no data array");
    double factor = 1.0;
    double period = 300.0;
    if (j.contains("meta") && j["meta"].is_object()) {
        const auto& meta = j["meta"];
        const std::string unit = meta.value("units", std::string("lbs_co2_per_mwh"));
        if (unit == "lbs_co2_per_mwh") factor = units::k_g_per_kwh_per_lbs_per_mwh;
        else if (unit == "kg_co2_per_mwh" || unit == "g_co2_per_kwh") factor = 1.0;
        else detail::shape_error("watttime", what, "unknown units '" + unit + "'");
        if (meta.contains("data_point_period_seconds") && meta["data_point_period_seconds"].is_number())
            period = meta["data_point_period_seconds"].get<double>();
    }
    for (const auto& item : j["data"]) {
        if (!item.is_object() || !item.contains("point_time") || !item["point_time"].is_string())
            detail::shape_error("watttime", what, "item without point_time");
        if (!item.contains("value") || item["value"].is_null()) continue;
        if (!item["value"].is_number()) detail::shape_error("watttime", what, "value is not a number");
        s.points.push_back({detail::parse_api_time(item["point_time"].get<std::string>()), period,
                            item["value"].get<double>() * factor, kind});
    }
}
}  // namespace

IntensitySeries WattTimeProvider::fetch(const std::string& region, UtcMillis from, UtcMillis to) {
    IntensitySeries s;
    s.zone = region;
    s.signal = m_signal_type == "co2_moer" ? SignalType::marginal : SignalType::average;
    s.basis = FactorBasis::direct;  // WattTime reports combustion (direct) emissions
    s.provider = "watttime";
    s.attribution = "WattTime";
    s.licence = "WattTime API terms";
    const std::map<std::string, std::string> headers = {{"Authorization", "Bearer " + login()}};
    const UtcMillis now = utc_now_ms();
    const UtcMillis page = 30LL * 86'400'000;
    for (UtcMillis a = from; a < std::min(to, now); a += page) {
        const UtcMillis b = std::min({a + page, to, now});
        const auto j = detail::parse_json(
            m_http.get("/historical?region=" + url_encode(region) + "&start=" + url_encode(detail::api_time(a)) +
                           "&end=" + url_encode(detail::api_time(b)) + "&signal_type=" + m_signal_type,
                       headers),
            "watttime", "historical " + region);
        read_data(j, PointKind::measured, s, "historical " + region);
    }
    if (to > now) {
        const auto j = detail::parse_json(
            m_http.get("/forecast?region=" + url_encode(region) + "&signal_type=" + m_signal_type, headers), "watttime",
            "forecast " + region);
        IntensitySeries f;
        read_data(j, PointKind::forecast, f, "forecast " + region);
        for (const auto& p : f.points)
            if (s.points.empty() || p.start > s.points.back().start) s.points.push_back(p);
    }
    detail::normalise(s);
    std::erase_if(s.points, [&](const IntensityPoint& p) { return p.end() <= from || p.start >= to; });
    return s;
}

}  // namespace powerml::carbon
