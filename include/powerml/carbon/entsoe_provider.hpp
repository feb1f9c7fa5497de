#pragma once
// Provider "entsoe": ENTSO-E transparency platform, document A75 (actual generation per
// production type, process A16). The XML has one TimeSeries per psrType with Periods of
// PT15M/PT30M/PT60M Points in MW; the mix of each interval is turned into intensity with an
// EmissionFactors set (default ipcc-ar5). TimeSeries with an outBiddingZone are consumption
// (pumping) and are left out. Curve types A01 and A02 take each listed position as its own
// interval; A03 (variable-sized blocks) carries a value forward over the positions it leaves
// out. An Acknowledgement document becomes an Error with its reason, XML entities decoded.
#include <string>

#include "powerml/carbon/emission_factors.hpp"
#include "powerml/carbon/http_client.hpp"
#include "powerml/carbon/provider.hpp"

namespace powerml::carbon {

class EntsoeProvider final : public Provider {
public:
    EntsoeProvider(std::string base_url, std::string key, EmissionFactors factors, HttpOptions http = {});
    std::string name() const override { return "entsoe"; }
    // `zone` is an EIC area code (10Y...) or one of the zone ids in eic_code()'s table.
    IntensitySeries fetch(const std::string& zone, UtcMillis from, UtcMillis to) override;

    // Parses an A75 document into an intensity series (exposed for tests).
    static IntensitySeries parse_a75(const std::string& xml, const EmissionFactors& factors, const std::string& zone);
    // EIC bidding-zone code for common zone ids ("DE" -> 10Y1001A1001A82H), or the input when it is one already.
    static std::string eic_code(const std::string& zone);

private:
    HttpClient m_http;
    std::string m_key;
    EmissionFactors m_factors;
};

}  // namespace powerml::carbon
