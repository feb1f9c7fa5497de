// Fitting recovers the parameters of synthetic samples drawn from each form, with noise, and
// picks the form they were drawn from.
#include <gtest/gtest.h>

#include <random>

#include "powerml/core/error.hpp"
#include "powerml/power_models/fitter.hpp"

using namespace powerml;
using namespace powerml::power_models;

namespace {

// 600 samples at uniformly random utilisation, with Gaussian noise of 1 % of max power
// (the +-1 W a RAPL package reading scatters by on a ~100 W CPU).
std::vector<Sample> draw(const PowerModel& truth, unsigned seed, double noise_w = 1.0, int n = 600) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> load(0.0, 1.0);
    std::normal_distribution<double> noise(0.0, noise_w);
    std::vector<Sample> samples;
    for (int i = 0; i < n; ++i) {
        const double u = load(rng);
        samples.push_back({u, truth.watts_at(u) + noise(rng), 0.1});
    }
    return samples;
}

void expect_within_2pct(double got, double want, const char* what) {
    EXPECT_NEAR(got, want, 0.02 * std::abs(want)) << what;
}

}  // namespace

TEST(FitterTest, ConstantIsRecoveredAndChosen) {
    PowerModel truth;
    truth.form = Form::constant;
    truth.watts = 42;
    for (unsigned seed : {1u, 2u, 3u}) {
        const auto result = fit_power_model(draw(truth, seed));
        EXPECT_EQ(result.best().form, Form::constant) << seed;
        expect_within_2pct(result.best().model.watts, 42, "watts");
    }
}

TEST(FitterTest, LinearIsRecoveredAndChosen) {
    PowerModel truth;
    truth.form = Form::linear;
    truth.idle_w = 20, truth.max_w = 95;
    for (unsigned seed : {4u, 5u, 6u}) {
        const auto result = fit_power_model(draw(truth, seed));
        EXPECT_EQ(result.best().form, Form::linear) << seed;
        expect_within_2pct(result.best().model.idle_w, 20, "idle_w");
        expect_within_2pct(result.best().model.max_w, 95, "max_w");
        EXPECT_GT(result.best().r2, 0.99);
    }
}

TEST(FitterTest, PowerExponentIsRecoveredAndChosen) {
    PowerModel truth;
    truth.form = Form::power;
    truth.idle_w = 15, truth.max_w = 120, truth.exponent = 2.5;
    for (unsigned seed : {7u, 8u, 9u}) {
        const auto result = fit_power_model(draw(truth, seed));
        EXPECT_EQ(result.best().form, Form::power) << seed;
        expect_within_2pct(result.best().model.idle_w, 15, "idle_w");
        expect_within_2pct(result.best().model.max_w, 120, "max_w");
        expect_within_2pct(result.best().model.exponent, 2.5, "exponent");
    }
    // A sub-linear curve too (the shape of many modern CPUs).
    truth.exponent = 0.6;
    const auto result = fit_power_model(draw(truth, 10));
    EXPECT_EQ(result.best().form, Form::power);
    expect_within_2pct(result.best().model.exponent, 0.6, "exponent");
}

TEST(FitterTest, PiecewiseIsRecoveredAndChosen) {
    // An AWS-instance-like curve through the Teads load steps: steep to 10 %, then flatter.
    PowerModel truth;
    truth.form = Form::piecewise;
    truth.points = {{0, 20}, {0.1, 45}, {0.5, 70}, {1, 100}};
    // 2000 samples: only a tenth fall below the 10 % knot, and the idle point rests on them.
    for (unsigned seed : {11u, 12u, 13u}) {
        const auto result = fit_power_model(draw(truth, seed, 1.0, 2000));
        EXPECT_EQ(result.best().form, Form::piecewise) << seed;
        const auto& points = result.best().model.points;
        ASSERT_EQ(points.size(), 4u);
        for (std::size_t i = 0; i < points.size(); ++i) {
            EXPECT_DOUBLE_EQ(points[i].first, truth.points[i].first);
            expect_within_2pct(points[i].second, truth.points[i].second, "point watts");
        }
    }
}

TEST(FitterTest, AskedFormIsTheOnlyOneTried) {
    PowerModel truth;
    truth.form = Form::power;
    truth.idle_w = 15, truth.max_w = 120, truth.exponent = 2.0;
    FitOptions options;
    options.forms = {Form::linear};
    const auto result = fit_power_model(draw(truth, 14), options);
    ASSERT_EQ(result.tried.size(), 1u);
    EXPECT_EQ(result.best().form, Form::linear);
    EXPECT_LT(result.best().r2, 0.99);  // the wrong shape shows in the figures
}

TEST(FitterTest, ErrorFiguresAreHonest) {
    PowerModel truth;
    truth.form = Form::linear;
    truth.idle_w = 50, truth.max_w = 150;
    const auto result = fit_power_model(draw(truth, 15, 5.0));
    // Noise of 5 W: the held-out RMSE is about 5 W and never below what the noise allows.
    EXPECT_NEAR(result.best().heldout_rmse_w, 5.0, 0.5);
    EXPECT_GE(result.best().heldout_rmse_w, result.best().rmse_w);
    EXPECT_GT(result.best().heldout_mape, 0.02);
    EXPECT_LT(result.best().heldout_mape, 0.08);
}

TEST(FitterTest, TooFewOrNarrowSamplesAreRefused) {
    EXPECT_THROW(fit_power_model({{0.1, 10, 1}, {0.2, 11, 1}}), Error);
    // Every sample at 40-60 %: the piecewise knots at 0 and 0.1 have no data.
    std::vector<Sample> narrow;
    for (int i = 0; i < 50; ++i) narrow.push_back({0.4 + 0.004 * i, 30 + 10 * i * 0.004, 1});
    FitOptions options;
    options.forms = {Form::piecewise};
    EXPECT_THROW(fit_power_model(narrow, options), Error);
    // Without a form asked for, the others are still fitted.
    EXPECT_NO_THROW(fit_power_model(narrow));
}
