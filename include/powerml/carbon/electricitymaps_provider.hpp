#pragma once
// Provider "electricitymaps": Electricity Maps API v3 (header auth-token).
// Past hours: /carbon-intensity/past-range?zone&start&end&emissionFactorType, asked in pages
// of at most `page_days` (the API's limit for hourly data is 10 days); future hours:
// /carbon-intensity/forecast?zone (kind forecast). `history` and `data` arrays are both read.
#include <string>

#include "powerml/carbon/http_client.hpp"
#include "powerml/carbon/provider.hpp"

namespace powerml::carbon {

class ElectricityMapsProvider final : public Provider {
public:
    ElectricityMapsProvider(std::string base_url, std::string key, FactorBasis basis, HttpOptions http = {},
                            int page_days = 10);
    std::string name() const override { return "electricitymaps"; }
    IntensitySeries fetch(const std::string& zone, UtcMillis from, UtcMillis to) override;

private:
    HttpClient m_http;
    std::string m_key;
    FactorBasis m_basis;
    int m_page_days;
};

}  // namespace powerml::carbon
