#pragma once
// Provider "ukgrid": National Grid ESO Carbon Intensity API (no key). Zone "GB" is national
// (/intensity/{from}/{to}: `actual` when published, else `forecast`); "GB:<regionid>" (1-17)
// is regional (/regional/intensity/{from}/{to}/regionid/{id}: forecasts only). Half-hourly;
// asked in pages of 14 days. Values are revised after publication: a later fetch wins.
#include <string>

#include "powerml/carbon/http_client.hpp"
#include "powerml/carbon/provider.hpp"

namespace powerml::carbon {

class UkGridProvider final : public Provider {
public:
    explicit UkGridProvider(std::string base_url, HttpOptions http = {});
    std::string name() const override { return "ukgrid"; }
    IntensitySeries fetch(const std::string& zone, UtcMillis from, UtcMillis to) override;

private:
    HttpClient m_http;
};

}  // namespace powerml::carbon
