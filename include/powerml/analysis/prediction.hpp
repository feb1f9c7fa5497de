#pragma once
// Predicting a whole training run from its first epochs (seed 001: energy is linear in time,
// r = 0.99, so a short profile predicts a long run). Works on a finished timeline and on a
// snapshot taken while the job runs.
#include <optional>
#include <string>
#include <vector>

#include "powerml/record/timeline.hpp"

namespace powerml::analysis {

// A closed epoch phase: a phase whose name starts with "epoch" (epoch-1, epoch 2, epoch_3),
// in the order they started. Times are seconds since the job started.
struct EpochWindow {
    std::string name;
    double start_s = 0, end_s = 0;
    double gross_j = 0;  // summed components within the epoch
    double cycle_j = 0;  // from the end of the previous epoch (or this one's start) to its end
    double cycle_s = 0;  // the same span's duration: what each further epoch costs, gaps included
};

std::vector<EpochWindow> epoch_windows(const record::Timeline& timeline);

// What `m` more units (epochs, samples) cost when each costs what the observed ones did (their
// mean): the one extrapolation PowerML has, used by `predict`, the live prediction, the report's
// backtest, the demo and the profile estimator. The prediction interval at `level` is
// log-normal, so positive by construction: m x mean x exp(-/+ t s sqrt(1/m + 1/k)) with s the
// sd of the observed costs' logarithms over k observations. With one observation,
// `single_sd_rel` (that observation's own relative spread, when known) stands in for s with
// the normal quantile; without it there is no interval and `interval_note` says why.
struct Extrapolated {
    double sum = 0;
    std::optional<double> low, high;
    std::string interval_note;  // how the interval was made when it is not the usual one, or why none
};
Extrapolated extrapolate_units(const std::vector<double>& observed, double m, double level = 0.95,
                               std::optional<double> single_sd_rel = std::nullopt);

struct Prediction {
    std::size_t epochs_done = 0;   // k
    std::size_t epochs_total = 0;  // N
    double level = 0.95;
    // Gross energy of the job window and its duration at the end of epoch N; intervals are
    // prediction intervals (Student t, k - 1 df), absent for k < 2.
    double energy_j = 0;
    std::optional<double> energy_low_j, energy_high_j;
    double duration_s = 0;
    std::optional<double> duration_low_s, duration_high_s;
    double observed_energy_j = 0;    // up to the end of epoch k
    double observed_duration_s = 0;
    double epoch_energy_mean_j = 0, epoch_energy_sd_j = 0;
    double epoch_duration_mean_s = 0, epoch_duration_sd_s = 0;
    std::string energy_model = "constant";    // "constant" (mean epoch) or "trend" (linear in the epoch index)
    std::string duration_model = "constant";
    std::vector<std::string> notes;
};

// Predicts from the first `k` closed epochs (k >= 1) of `epochs_total`: each further epoch
// costs the mean of the observed ones, or, from 5 epochs on and when epochs 2..k of energy
// (duration) lie on a clearly sloped line over the epoch index (p < 0.01), what the line says. Throws Error when the
// timeline has fewer than k closed epochs or k > epochs_total.
Prediction predict_from_epochs(const record::Timeline& timeline, std::size_t k, std::size_t epochs_total,
                               double level = 0.95);

// The job's energy (gross, summed components) and duration; the truth a backtest compares with.
struct RunTotals {
    double energy_j = 0;
    double duration_s = 0;
};
RunTotals run_totals(const record::Timeline& timeline);

// For a finished run of N epochs: the prediction after each k = 2..N-1 against the truth.
struct BacktestPoint {
    std::size_t k = 0;
    Prediction prediction;
    double energy_error_pct = 0;    // (predicted - actual) / actual x 100, actual = the whole job
    double duration_error_pct = 0;
    // Against the energy and time up to the end of epoch N, which is what the model predicts:
    // the difference to the figures above is the work after the last epoch.
    double energy_to_last_epoch_error_pct = 0;
    double duration_to_last_epoch_error_pct = 0;
    bool energy_in_interval = false;
    bool duration_in_interval = false;
};
std::vector<BacktestPoint> backtest_prediction(const record::Timeline& timeline, std::size_t epochs_total);

// The epochs the job declared with `metric epochs_total N`, if it did.
std::optional<std::size_t> declared_epochs_total(const record::Timeline& timeline);

}  // namespace powerml::analysis
