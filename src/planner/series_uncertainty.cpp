#include "powerml/planner/series_uncertainty.hpp"

#include <fmt/format.h>

#include "powerml/carbon/embedded_data.hpp"
#include "powerml/carbon/history_forecast.hpp"
#include "powerml/core/error.hpp"

namespace powerml::planner {

void state_missing_error(carbon::IntensitySeries& s) {
    if (s.relative_uncertainty > 0) return;
    bool uncertain = false;
    for (const auto& p : s.points) uncertain = uncertain || p.kind != carbon::PointKind::measured;
    if (!uncertain) return;
    auto& data = carbon::EmbeddedData::instance();
    std::string zone;
    try {
        zone = data.resolve(s.zone).zone;
    } catch (const Error&) {
        return;
    }
    const auto years = data.hourly_years(zone);
    if (years.empty()) return;
    const auto year = data.hourly(zone, years.back());
    for (const auto& row : carbon::HistoryForecast::backtest(*year, s.basis)) {
        if (row.horizon_from_h != 25 || !(row.mape_pct > 0)) continue;
        s.relative_uncertainty = row.mape_pct / 100.0;
        s.note += fmt::format("{}range +-{:.0f} %: the built-in forecaster's measured error 25-48 h ahead on {} {} "
                              "(a lower bound for a typical profile)",
                              s.note.empty() ? "" : "; ", row.mape_pct, zone, year->year);
    }
}

}  // namespace powerml::planner
