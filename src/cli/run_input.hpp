#pragma once
// Turns a measured run into what the report reads: its record as measured (never recomputed),
// its timeline, and the prediction backtest when it has epochs.
#include "powerml/measure/run_source.hpp"
#include "powerml/report/report_input.hpp"

namespace powerml::cli {

report::RunInput run_input(const measure::LoadedRun& run);

}  // namespace powerml::cli
