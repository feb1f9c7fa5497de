#pragma once
// The built-in forecast for providers without one: each future hour gets the mean of the
// same UTC hour on the seven days before the forecast is made (a seasonal-naive weekly mean).
// Its measured error on the shipped years is in docs/accuracy.md (backtest() below).
#include <vector>

#include "powerml/carbon/embedded_data.hpp"
#include "powerml/carbon/intensity_series.hpp"

namespace powerml::carbon {

class HistoryForecast {
public:
    static constexpr int k_days = 7;

    // Hourly forecast points (kind forecast) for [made_at, until), from `history` (hourly points
    // before made_at). Throws Error when history holds less than one day before made_at.
    static IntensitySeries forecast(const IntensitySeries& history, UtcMillis made_at, UtcMillis until);

    struct Row {
        int horizon_from_h = 0, horizon_to_h = 0;  // inclusive hour range ahead
        long n = 0;
        double mape_pct = 0.0;  // mean |forecast - actual| / actual x 100
        double bias_pct = 0.0;  // mean (forecast - actual) / actual x 100
        double bias_g = 0.0;    // mean forecast - actual, gCO2eq/kWh
    };
    // Forecasts made every day at 00:00 UTC for 48 h over a whole zone-year, compared with the
    // data; grouped by horizon 1-6, 7-12, 13-24, 25-48 h.
    static std::vector<Row> backtest(const HourlyYear& year, FactorBasis basis);
};

}  // namespace powerml::carbon
