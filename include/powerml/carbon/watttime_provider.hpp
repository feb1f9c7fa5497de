#pragma once
// Provider "watttime": WattTime API v3. GET /login with HTTP basic auth at the API root
// (https://api.watttime.org/login, not under /v3: the Carbon Aware SDK keeps it apart as
// AuthenticationBaseUrl) gives a bearer token; the data routes sit under the base URL
// (https://api.watttime.org/v3). Both are configurable: provider.watttime.base_url and
// provider.watttime.auth_url (default: the base URL without a trailing /v3).
// /historical (pages of at most 30 days) and /forecast give {data:[{point_time,value}],
// meta:{units,data_point_period_seconds}}. signal "co2_moer" (marginal, default) or
// "co2_aoer" (average). lbs_co2_per_mwh is converted to g/kWh here (x 0.45359237).
#include <string>

#include "powerml/carbon/http_client.hpp"
#include "powerml/carbon/provider.hpp"

namespace powerml::carbon {

class WattTimeProvider final : public Provider {
public:
    // An empty `auth_url` is default_auth_url(base_url).
    WattTimeProvider(std::string base_url, std::string auth_url, std::string user, std::string password,
                     std::string signal_type, HttpOptions http = {});
    // The base URL without a trailing "/v3": where WattTime's /login lives.
    static std::string default_auth_url(const std::string& base_url);
    std::string name() const override { return "watttime"; }
    IntensitySeries fetch(const std::string& region, UtcMillis from, UtcMillis to) override;

private:
    std::string login();
    HttpClient m_http;  // data routes
    HttpClient m_auth;  // /login
    std::string m_user, m_password, m_signal_type, m_token;
};

}  // namespace powerml::carbon
