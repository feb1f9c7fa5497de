#pragma once
// One interface over every grid-data provider. A provider turns its own units, resolutions
// and time conventions into an IntensitySeries (gCO2eq/kWh, UTC) before returning.
#include <string>

#include "powerml/carbon/intensity_series.hpp"
#include "powerml/core/time.hpp"

namespace powerml::carbon {

class Provider {
public:
    virtual ~Provider() = default;
    // "embedded", "csv:/path", "electricitymaps", ...: recorded in IntensitySeries::provider.
    virtual std::string name() const = 0;
    // Points covering [from, to) as far as the provider has them. Throws Error with one clear
    // sentence (unknown zone, bad key, rate limit, unreachable service, malformed answer).
    virtual IntensitySeries fetch(const std::string& zone, UtcMillis from, UtcMillis to) = 0;
};

}  // namespace powerml::carbon
