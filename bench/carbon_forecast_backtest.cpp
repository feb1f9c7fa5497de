// Backtest of the built-in forecast (HistoryForecast) on every shipped zone-year: prints the
// Markdown table that docs/accuracy.md carries. Deterministic: same data, same table.
#include <cstdio>

#include <fmt/format.h>

#include "powerml/carbon/embedded_data.hpp"
#include "powerml/carbon/history_forecast.hpp"

using namespace powerml::carbon;

int main() {
    const auto& data = EmbeddedData::instance();
    fmt::print("| zone | year | horizon (h) | forecasts | MAPE % | bias % | bias g/kWh |\n|---|---|---|---|---|---|---|\n");
    for (const auto& z : data.zones()) {
        for (int year : z.hourly_years) {
            const auto y = data.hourly(z.zone, year);
            for (const auto& r : HistoryForecast::backtest(*y, FactorBasis::lifecycle))
                fmt::print("| {} | {} | {}-{} | {} | {:.1f} | {:+.1f} | {:+.1f} |\n", z.zone, year, r.horizon_from_h,
                           r.horizon_to_h, r.n, r.mape_pct, r.bias_pct, r.bias_g);
        }
    }
    return 0;
}
