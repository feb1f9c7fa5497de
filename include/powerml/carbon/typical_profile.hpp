#pragma once
// A typical day built from one year of hourly data: the mean intensity for each (month,
// weekday/weekend, hour of day), in UTC. Used to answer for times the data does not cover,
// labelled `estimated`.
#include <array>

#include "powerml/carbon/embedded_data.hpp"
#include "powerml/carbon/intensity_series.hpp"

namespace powerml::carbon {

class TypicalProfile {
public:
    // Builds the table from one zone-year on the chosen basis.
    TypicalProfile(const HourlyYear& year, FactorBasis basis);
    // Builds it from any series of points (hourly or finer); cells with no data fall back to
    // the month's mean, then the overall mean.
    explicit TypicalProfile(const IntensitySeries& series);

    double value_at(UtcMillis t) const;
    int source_year() const { return m_year; }

private:
    void add(UtcMillis t, double value);
    void finish();
    static std::size_t cell(UtcMillis t);

    int m_year = 0;
    std::array<double, 12 * 2 * 24> m_sum{};
    std::array<int, 12 * 2 * 24> m_count{};
    std::array<double, 12 * 2 * 24> m_mean{};
};

}  // namespace powerml::carbon
