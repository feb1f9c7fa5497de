#pragma once
// Provider "embedded": the hourly data shipped in data/grid/, with a typical profile for
// times outside it and the yearly average for zones without hourly data.
#include "powerml/carbon/embedded_data.hpp"
#include "powerml/carbon/provider.hpp"

namespace powerml::carbon {

class EmbeddedProvider final : public Provider {
public:
    explicit EmbeddedProvider(FactorBasis basis = FactorBasis::lifecycle,
                              const EmbeddedData& data = EmbeddedData::instance());
    std::string name() const override { return "embedded"; }
    // Hourly points from floor(from, hour) to `to`. Shipped hours are `measured` (or
    // `estimated` where the source says so); hours outside the data come from the typical
    // profile of the most recent year, `estimated`; zones with only a yearly average get that
    // value, `estimated`. series.note says which applied.
    IntensitySeries fetch(const std::string& zone, UtcMillis from, UtcMillis to) override;

private:
    FactorBasis m_basis;
    const EmbeddedData& m_data;
};

// Longest range one request may span (ten years of hours): guards against a typo in a year.
inline constexpr UtcMillis k_max_request_ms = 10LL * 366 * 86'400'000;

}  // namespace powerml::carbon
