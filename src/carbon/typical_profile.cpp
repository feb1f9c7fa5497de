#include "powerml/carbon/typical_profile.hpp"

namespace powerml::carbon {

std::size_t TypicalProfile::cell(UtcMillis t) {
    const UtcFields f = utc_fields(t);
    const std::size_t weekend = (f.weekday == 0 || f.weekday == 6) ? 1 : 0;
    return ((f.month - 1) * 2 + weekend) * 24 + f.hour;
}

void TypicalProfile::add(UtcMillis t, double value) {
    const std::size_t c = cell(t);
    m_sum[c] += value;
    m_count[c] += 1;
}

void TypicalProfile::finish() {
    // Cells without data (a short series) borrow the month's mean, else the overall mean, so
    // that every time gets an answer.
    double all_sum = 0;
    int all_n = 0;
    for (std::size_t i = 0; i < m_sum.size(); ++i) {
        all_sum += m_sum[i];
        all_n += m_count[i];
    }
    const double overall = all_n > 0 ? all_sum / all_n : 0.0;
    for (std::size_t month = 0; month < 12; ++month) {
        double msum = 0;
        int mn = 0;
        for (std::size_t i = month * 48; i < month * 48 + 48; ++i) {
            msum += m_sum[i];
            mn += m_count[i];
        }
        const double month_mean = mn > 0 ? msum / mn : overall;
        for (std::size_t i = month * 48; i < month * 48 + 48; ++i)
            m_mean[i] = m_count[i] > 0 ? m_sum[i] / m_count[i] : month_mean;
    }
}

TypicalProfile::TypicalProfile(const HourlyYear& year, FactorBasis basis) : m_year(year.year) {
    const auto& values = basis == FactorBasis::lifecycle ? year.lca_centi : year.direct_centi;
    for (std::size_t h = 0; h < values.size(); ++h)
        add(year.start + static_cast<UtcMillis>(h) * 3'600'000, values[h] / 100.0);
    finish();
}

TypicalProfile::TypicalProfile(const IntensitySeries& series) {
    for (const auto& p : series.points) add(p.start, p.g_per_kwh);
    if (!series.points.empty()) m_year = utc_fields(series.points.back().start).year;
    finish();
}

double TypicalProfile::value_at(UtcMillis t) const { return m_mean[cell(t)]; }

}  // namespace powerml::carbon
