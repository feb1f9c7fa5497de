#pragma once
// The error a plan's range rests on when a series does not state one. Shared by `powerml plan`
// and POST /v1/plan so that both give the same answer.
#include "powerml/carbon/intensity_series.hpp"

namespace powerml::planner {

// Forecast or estimated points whose source states no error get the built-in forecaster's
// measured error instead: its mean absolute percentage error 25-48 h ahead on the zone's most
// recent shipped year (HistoryForecast::backtest, docs/accuracy.md). A typical profile errs at
// least as much, so this is a lower bound, and said so. Zones without hourly data keep
// "unknown".
void state_missing_error(carbon::IntensitySeries& s);

}  // namespace powerml::planner
