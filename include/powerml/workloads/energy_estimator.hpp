#pragma once
// Predictions from a profile (seed 001, Sec. 6): a whole training from a short profile, since
// energy is linear in time (r = 0.99); and the energy of a model that was never profiled, from
// its characteristics, by a power law fitted over the profiled models with its leave-one-out error.
#include <cstdint>
#include <string>
#include <vector>

#include "powerml/workloads/model_characteristics.hpp"
#include "powerml/workloads/profile.hpp"

namespace powerml::workloads {

struct Interval {
    double value = 0;
    double low = 0;   // 95 % interval
    double high = 0;
};

struct TrainingEstimate {
    std::string model;
    int batch_size = 0;
    int epochs = 0;
    std::int64_t samples_per_epoch = 0;
    Interval energy_j;
    Interval duration_s;
    int observations = 0;  // repeats or epochs behind the per-sample figures
    std::string interval_basis;
};

// Extrapolates per-sample observations (one per repeat or per measured epoch) to
// epochs x samples_per_epoch. The interval is the 95 % Student-t interval of the mean per-sample
// figure over the observations; with one observation it is the measurement's own relative
// uncertainty (1.96 sigma). Throws Error when there is nothing to extrapolate.
TrainingEstimate extrapolate_training(const std::vector<double>& energy_per_sample_j, const std::vector<double>& time_per_sample_s,
                                      int epochs, std::int64_t samples_per_epoch, double relative_uncertainty);

// From the profile's repeats of `model` at `batch_size`.
TrainingEstimate estimate_training(const Profile& profile, const std::string& model, int batch_size, int epochs,
                                   std::int64_t samples_per_epoch);

struct LooPoint {
    std::string model;
    double measured = 0;   // J per sample
    double predicted = 0;  // from a fit without this model
    double relative_error = 0;  // (predicted - measured) / measured
};

struct CharacteristicFit {
    std::string phase;    // "train" | "infer"
    int batch_size = 0;
    std::string feature;  // "macs" | "params" | "macs_per_param"
    double log_intercept = 0;  // log10(J per sample) = log_intercept + exponent * log10(feature)
    double exponent = 0;
    std::vector<LooPoint> loo;
    double loo_mean_abs_error = 0;  // mean |relative error| over the left-out models
    double loo_max_abs_error = 0;
    std::vector<std::string> models;

    double predict_j_per_sample(const ModelCharacteristics& info) const;
};

// The power law for one feature (least squares in log10-log10, analysis::linear_regression).
// Needs at least 4 models with positive net energy at this batch size (3 to fit, one left out);
// throws Error otherwise.
CharacteristicFit fit_characteristic(const Profile& profile, const std::string& phase, int batch_size, const std::string& feature);
// The feature (of macs, params, macs_per_param) with the smallest leave-one-out error.
CharacteristicFit best_characteristic_fit(const Profile& profile, const std::string& phase, int batch_size);

}  // namespace powerml::workloads
