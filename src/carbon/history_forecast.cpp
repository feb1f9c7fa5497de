#include "powerml/carbon/history_forecast.hpp"

#include <cmath>

#include "powerml/core/error.hpp"

namespace powerml::carbon {

namespace {
constexpr UtcMillis k_hour_ms = 3'600'000;
constexpr UtcMillis k_day_ms = 86'400'000;

// Mean of the values at the same hour on the k_days days before made_at, using value_at.
template <typename ValueAt>
std::optional<double> weekly_mean(UtcMillis t, UtcMillis made_at, ValueAt value_at) {
    // Step back whole days until the hour is before the forecast was made.
    UtcMillis probe = t - k_day_ms;
    while (probe >= made_at) probe -= k_day_ms;
    double sum = 0;
    int n = 0;
    for (int k = 0; k < HistoryForecast::k_days; ++k, probe -= k_day_ms) {
        if (auto v = value_at(probe)) {
            sum += *v;
            ++n;
        }
    }
    if (n == 0) return std::nullopt;
    return sum / n;
}
}  // namespace

IntensitySeries HistoryForecast::forecast(const IntensitySeries& history, UtcMillis made_at, UtcMillis until) {
    IntensitySeries out = history;
    out.points.clear();
    out.note = "built-in forecast: mean of the same hour on the 7 days before " + format_rfc3339(made_at) +
               " (error by horizon in docs/accuracy.md)";
    const UtcMillis first = (made_at / k_hour_ms) * k_hour_ms;
    for (UtcMillis t = first; t < until; t += k_hour_ms) {
        auto v = weekly_mean(t, made_at, [&](UtcMillis p) { return history.value_at(p); });
        if (!v) throw Error("built-in forecast needs at least one day of hourly history before " + format_rfc3339(made_at));
        out.points.push_back({t, 3600.0, *v, PointKind::forecast});
    }
    return out;
}

std::vector<HistoryForecast::Row> HistoryForecast::backtest(const HourlyYear& year, FactorBasis basis) {
    const auto& values = basis == FactorBasis::lifecycle ? year.lca_centi : year.direct_centi;
    const auto value_at = [&](UtcMillis t) -> std::optional<double> {
        if (t < year.start || t >= year.end()) return std::nullopt;
        return values[static_cast<std::size_t>((t - year.start) / k_hour_ms)] / 100.0;
    };
    std::vector<Row> rows = {{1, 6}, {7, 12}, {13, 24}, {25, 48}};
    std::vector<double> abs_pct(rows.size()), pct(rows.size()), g(rows.size());
    for (UtcMillis made_at = year.start + k_days * k_day_ms; made_at + 2 * k_day_ms <= year.end(); made_at += k_day_ms) {
        for (int h = 1; h <= 48; ++h) {
            const UtcMillis t = made_at + (h - 1) * k_hour_ms;
            const auto actual = value_at(t);
            const auto f = weekly_mean(t, made_at, value_at);
            if (!actual || !f || *actual <= 0) continue;
            for (std::size_t r = 0; r < rows.size(); ++r) {
                if (h < rows[r].horizon_from_h || h > rows[r].horizon_to_h) continue;
                abs_pct[r] += std::fabs(*f - *actual) / *actual;
                pct[r] += (*f - *actual) / *actual;
                g[r] += *f - *actual;
                rows[r].n++;
            }
        }
    }
    for (std::size_t r = 0; r < rows.size(); ++r) {
        if (rows[r].n == 0) continue;
        rows[r].mape_pct = 100.0 * abs_pct[r] / rows[r].n;
        rows[r].bias_pct = 100.0 * pct[r] / rows[r].n;
        rows[r].bias_g = g[r] / rows[r].n;
    }
    return rows;
}

}  // namespace powerml::carbon
