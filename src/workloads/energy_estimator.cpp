#include "powerml/workloads/energy_estimator.hpp"

#include <cmath>

#include <fmt/format.h>

#include "powerml/analysis/prediction.hpp"
#include "powerml/core/error.hpp"
#include "powerml/analysis/statistics.hpp"

namespace powerml::workloads {

namespace {

double feature_of(const ModelCharacteristics& c, const std::string& feature) {
    if (feature == "macs") return c.macs;
    if (feature == "params") return static_cast<double>(c.total_params);
    if (feature == "macs_per_param") return c.macs_per_param();
    throw Error("--feature must be macs, params or macs_per_param (got '" + feature + "')");
}

// The one extrapolation (analysis::extrapolate_units): per-sample costs scaled to the whole
// training, with its log-normal interval (never below zero).
Interval scaled_interval(const std::vector<double>& per_sample, double total_samples, double relative_uncertainty,
                         std::string& basis) {
    const auto e = analysis::extrapolate_units(per_sample, total_samples, 0.95,
                                               relative_uncertainty > 0 ? std::optional<double>(relative_uncertainty) : std::nullopt);
    basis = e.interval_note;
    if (per_sample.size() < 2) basis += "; profile with --repeat 3 for a spread";
    return {e.sum, e.low.value_or(e.sum), e.high.value_or(e.sum)};
}

}  // namespace

TrainingEstimate extrapolate_training(const std::vector<double>& energy_per_sample_j, const std::vector<double>& time_per_sample_s,
                                      int epochs, std::int64_t samples_per_epoch, double relative_uncertainty) {
    if (energy_per_sample_j.empty() || energy_per_sample_j.size() != time_per_sample_s.size())
        throw Error("nothing to extrapolate: no measured epochs or repeats");
    if (epochs < 1) throw Error("--epochs must be at least 1");
    if (samples_per_epoch < 1) throw Error("--samples must be at least 1");
    TrainingEstimate e;
    e.epochs = epochs;
    e.samples_per_epoch = samples_per_epoch;
    e.observations = static_cast<int>(energy_per_sample_j.size());
    const double total = static_cast<double>(epochs) * static_cast<double>(samples_per_epoch);
    std::string time_basis;
    e.energy_j = scaled_interval(energy_per_sample_j, total, relative_uncertainty, e.interval_basis);
    // Durations come from a clock: only the spread between observations is uncertain.
    e.duration_s = scaled_interval(time_per_sample_s, total, 0.0, time_basis);
    return e;
}

TrainingEstimate estimate_training(const Profile& profile, const std::string& model, int batch_size, int epochs,
                                   std::int64_t samples_per_epoch) {
    profile.find(model, batch_size);  // throws with what the profile holds
    std::vector<double> energy, time;
    for (const auto& step : profile.steps) {
        if (step.model != model || step.batch_size != batch_size || step.train.samples <= 0) continue;
        energy.push_back(step.train.net_j / static_cast<double>(step.train.samples));
        time.push_back(step.train.duration_s / static_cast<double>(step.train.samples));
    }
    TrainingEstimate e = extrapolate_training(energy, time, epochs, samples_per_epoch, profile.run_relative_uncertainty);
    e.model = model;
    e.batch_size = batch_size;
    return e;
}

double CharacteristicFit::predict_j_per_sample(const ModelCharacteristics& info) const {
    const double x = feature_of(info, feature);
    if (!(x > 0)) throw Error(fmt::format("model {} has {} = {}: the power law needs a positive value", info.model, feature, x));
    return std::pow(10.0, log_intercept + exponent * std::log10(x));
}

CharacteristicFit fit_characteristic(const Profile& profile, const std::string& phase, int batch_size, const std::string& feature) {
    if (phase != "train" && phase != "infer") throw Error("--phase must be train or infer");
    CharacteristicFit fit;
    fit.phase = phase;
    fit.batch_size = batch_size;
    fit.feature = feature;
    std::vector<double> x, y;
    for (const auto& m : profile.models) {
        if (m.batch_size != batch_size) continue;
        const double energy = (phase == "train" ? m.train : m.infer).energy_per_sample_j.mean;
        const double value = feature_of(m.characteristics, feature);
        if (!(energy > 0) || !(value > 0)) continue;  // a power law has no place for zero or negative values
        x.push_back(std::log10(value));
        y.push_back(std::log10(energy));
        fit.models.push_back(m.model);
    }
    // Leave-one-out needs a line through 3 points (analysis' least squares wants 3) after one is left out.
    if (x.size() < 4)
        throw Error(fmt::format("estimating from characteristics needs at least 4 profiled models with positive net {} energy at "
                                "batch size {} (the profile has {}): profile more models",
                                phase, batch_size, x.size()));
    const analysis::LinearFit line = analysis::linear_regression(x, y);
    fit.log_intercept = line.intercept;
    fit.exponent = line.slope;
    double sum = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
        std::vector<double> xs, ys;
        for (std::size_t k = 0; k < x.size(); ++k)
            if (k != i) {
                xs.push_back(x[k]);
                ys.push_back(y[k]);
            }
        LooPoint p;
        p.model = fit.models[i];
        p.measured = std::pow(10.0, y[i]);
        try {
            p.predicted = std::pow(10.0, analysis::linear_regression(xs, ys).predict(x[i]));
        } catch (const Error&) {
            p.predicted = std::pow(10.0, analysis::describe(ys).mean);  // the others share one feature value: their mean
        }
        p.relative_error = (p.predicted - p.measured) / p.measured;
        sum += std::abs(p.relative_error);
        fit.loo_max_abs_error = std::max(fit.loo_max_abs_error, std::abs(p.relative_error));
        fit.loo.push_back(p);
    }
    fit.loo_mean_abs_error = sum / static_cast<double>(x.size());
    return fit;
}

CharacteristicFit best_characteristic_fit(const Profile& profile, const std::string& phase, int batch_size) {
    std::optional<CharacteristicFit> best;
    std::string why;
    for (const std::string feature : {"macs", "params", "macs_per_param"}) {
        try {
            CharacteristicFit fit = fit_characteristic(profile, phase, batch_size, feature);
            if (!best || fit.loo_mean_abs_error < best->loo_mean_abs_error) best = std::move(fit);
        } catch (const Error& e) {
            why = e.what();
        }
    }
    if (!best) throw Error(why);
    return *best;
}

}  // namespace powerml::workloads
