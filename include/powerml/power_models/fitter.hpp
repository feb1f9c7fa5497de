#pragma once
// Fitting a power model to (utilisation, watts) samples by least squares, and choosing the
// form by held-out error. The forms are tried from simplest to most flexible; a more flexible
// form is taken only when its cross-validated error is clearly lower (k_preference), so noise
// alone never buys extra parameters.
#include <optional>
#include <string>
#include <vector>

#include "powerml/power_models/power_model.hpp"

namespace powerml::power_models {

struct Sample {
    double u = 0;        // utilisation 0..1
    double watts = 0;    // measured power over the same interval
    double weight = 1;   // interval length in seconds (longer intervals count more)
};

struct FormFit {
    Form form = Form::constant;
    PowerModel model;         // parameters filled in; id, match and source left to the caller
    double rmse_w = 0;        // on all samples
    double heldout_rmse_w = 0;  // k-fold cross-validated
    double heldout_mape = 0;
    double r2 = 0;
    double mape = 0;
};

struct FitOptions {
    std::vector<Form> forms;  // empty: constant, linear, power, piecewise
    std::vector<double> knots = {0.0, 0.1, 0.5, 1.0};  // piecewise breakpoints (Teads' load steps)
    int folds = 5;
    // A more flexible form must cut the held-out RMSE by more than this fraction to be chosen.
    double preference = 0.02;
};

struct FitResult {
    std::vector<FormFit> tried;  // every form, in the order tried
    std::size_t chosen = 0;      // index into tried
    const FormFit& best() const { return tried[chosen]; }
};

// Throws Error when the samples cannot support a fit (fewer than 4, no spread for a
// non-constant form the caller asked for, non-finite values).
FitResult fit_power_model(const std::vector<Sample>& samples, const FitOptions& options = {});

// Least squares for one form on all samples (no cross-validation).
PowerModel fit_form(const std::vector<Sample>& samples, Form form, const std::vector<double>& knots);

}  // namespace powerml::power_models
