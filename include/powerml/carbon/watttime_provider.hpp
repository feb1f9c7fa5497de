#pragma once
// Provider "watttime": WattTime API v3. /login with HTTP basic auth gives a bearer token;
// /historical (pages of at most 30 days) and /forecast give {data:[{point_time,value}],
// meta:{units,data_point_period_seconds}}. signal "co2_moer" (marginal, default) or
// "co2_aoer" (average). lbs_co2_per_mwh is converted to g/kWh here (x 0.45359237).
#include <string>

#include "powerml/carbon/http_client.hpp"
#include "powerml/carbon/provider.hpp"

namespace powerml::carbon {

class WattTimeProvider final : public Provider {
public:
    WattTimeProvider(std::string base_url, std::string user, std::string password, std::string signal_type,
                     HttpOptions http = {});
    std::string name() const override { return "watttime"; }
    IntensitySeries fetch(const std::string& region, UtcMillis from, UtcMillis to) override;

private:
    std::string login();
    HttpClient m_http;
    std::string m_user, m_password, m_signal_type, m_token;
};

}  // namespace powerml::carbon
