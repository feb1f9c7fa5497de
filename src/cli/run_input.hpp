#pragma once
// Turns a stored run into what the report and `predict` read: its timeline, its summary
// (recomputed by analysis from the stored samples), its carbon as stored, and the prediction
// backtest when it has epochs.
#include "powerml/report/report_input.hpp"
#include "powerml/store/run_store.hpp"

namespace powerml::cli {

report::RunInput run_input(const store::StoredRun& run);

}  // namespace powerml::cli
