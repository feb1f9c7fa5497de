// Statistics, profile aggregation and the estimators on numbers worked out by hand.
#include <gtest/gtest.h>

#include <cmath>

#include <nlohmann/json.hpp>

#include "powerml/core/error.hpp"
#include "powerml/workloads/energy_estimator.hpp"

using namespace powerml;
using namespace powerml::workloads;

namespace {

ModelCharacteristics model(const std::string& name, double macs, std::int64_t params) {
    ModelCharacteristics c;
    c.model = name;
    c.source = "builtin";
    c.input = {3, 32, 32};
    c.classes = 10;
    c.macs = macs;
    c.total_params = c.trainable_params = params;
    return c;
}

record::PhaseSummary phase(const std::string& name, double start, double end, double net, double samples) {
    record::PhaseSummary p;
    p.name = name;
    p.start_s = start;
    p.end_s = end;
    p.gross_j = net + 5 * (end - start);
    p.net_j = net;
    p.metrics["samples"] = samples;
    return p;
}

// A run in which training costs exactly k x MACs^0.8 J per sample and inference a third of it.
record::RunSummary power_law_run(const ProfilePlan& plan, const std::map<std::string, ModelCharacteristics>& models, int repeats) {
    record::RunSummary run;
    double t = 0;
    for (int r = 1; r <= repeats; ++r)
        for (const auto& name : plan.models)
            for (int batch : plan.batch_sizes) {
                const double per_sample = 1e-6 * std::pow(models.at(name).macs, 0.8) * (1.0 + 0.01 * r);
                const std::string prefix = step_prefix(name, batch, r);
                run.phases.push_back(phase(prefix + "epoch-1", t, t + 2, per_sample * 100, 100));
                run.phases.push_back(phase(prefix + "infer", t + 2, t + 3, per_sample / 3 * 200, 200));
                t += 3;
            }
    run.net_j = 1000;
    run.uncertainty_j = 50;
    return run;
}

}  // namespace

TEST(EnergyEstimatorTest, ExtrapolationScalesAndGivesALogNormalInterval) {
    // Per-sample energy 1.0, 1.1, 0.9 mJ: mean 1 mJ. The one extrapolation (analysis::
    // extrapolate_units) is log-normal: s = sd of ln(x), bounds 600 J x exp(-/+ t s sqrt(1/m + 1/3))
    // with m = 600,000 samples and t(0.975, 2) = 4.30265.
    const auto e = extrapolate_training({1e-3, 1.1e-3, 0.9e-3}, {1e-4, 1e-4, 1e-4}, 10, 60000, 0.05);
    EXPECT_NEAR(e.energy_j.value, 600.0, 1e-9);
    const double l0 = std::log(1e-3), l1 = std::log(1.1e-3), l2 = std::log(0.9e-3), lm = (l0 + l1 + l2) / 3;
    const double s_log = std::sqrt(((l0 - lm) * (l0 - lm) + (l1 - lm) * (l1 - lm) + (l2 - lm) * (l2 - lm)) / 2);
    const double half_log = 4.30265 * s_log * std::sqrt(1.0 / 600000 + 1.0 / 3);
    EXPECT_NEAR(e.energy_j.high, 600.0 * std::exp(half_log), 1e-3);
    EXPECT_NEAR(e.energy_j.low, 600.0 * std::exp(-half_log), 1e-3);
    EXPECT_GT(e.energy_j.low, 0.0);
    EXPECT_NEAR(e.duration_s.value, 60.0, 1e-9);
    // One observation: the measurement's own relative uncertainty, 1.96 sigma on the log scale.
    const auto one = extrapolate_training({2e-3}, {1e-4}, 1, 1000, 0.05);
    EXPECT_NEAR(one.energy_j.high, 2.0 * std::exp(1.959964 * 0.05 * std::sqrt(1.0 / 1000 + 1.0)), 1e-6);
    EXPECT_THROW(extrapolate_training({}, {}, 1, 1, 0), Error);
}

TEST(EnergyEstimatorTest, ProfileFromARunAndItsJsonRoundTrip) {
    ProfilePlan plan;
    plan.models = {"a", "b", "c", "d"};
    plan.batch_sizes = {32, 128};
    plan.repeat = 3;
    const std::map<std::string, ModelCharacteristics> models = {
        {"a", model("a", 1e6, 1000)}, {"b", model("b", 1e7, 50000)}, {"c", model("c", 1e8, 20000)}, {"d", model("d", 1e9, 4000000)}};
    const Profile profile = build_profile(plan, power_law_run(plan, models, 3), models);
    ASSERT_EQ(profile.models.size(), 8u);
    EXPECT_EQ(profile.steps.size(), 24u);
    const ModelProfile& a = profile.find("a", 32);
    EXPECT_EQ(a.repeats, 3);
    EXPECT_NEAR(a.train.time_s.mean, 2.0, 1e-12);
    EXPECT_NEAR(a.train.time_per_sample_s.mean, 0.02, 1e-12);
    EXPECT_NEAR(a.infer.time_per_sample_s.mean, 0.005, 1e-12);
    EXPECT_NEAR(a.train_infer_time_ratio, 4.0, 1e-12);
    EXPECT_NEAR(a.train_infer_energy_ratio, 3.0, 1e-9);
    EXPECT_GT(a.train.energy_per_sample_j.sd, 0);
    EXPECT_THROW(profile.find("a", 64), Error);
    // Energy grows with MACs monotonically: Spearman 1 for MACs in every phase and batch size.
    int checked = 0;
    for (const auto& c : profile.correlations)
        if (c.feature == "macs") {
            EXPECT_NEAR(*c.spearman, 1.0, 1e-12);
            ++checked;
        }
    EXPECT_EQ(checked, 4);

    const Profile back = profile_from_json(to_json(profile));
    EXPECT_EQ(back.models.size(), profile.models.size());
    EXPECT_EQ(back.steps.size(), profile.steps.size());
    EXPECT_DOUBLE_EQ(back.find("d", 128).train.energy_j.mean, profile.find("d", 128).train.energy_j.mean);
    EXPECT_EQ(back.find("c", 32).characteristics.total_params, 20000);
    EXPECT_THROW(profile_from_json(nlohmann::json{{"schema", "other"}}), Error);

    // A run that misses a step's phase names it.
    record::RunSummary partial = power_law_run(plan, models, 3);
    partial.phases.pop_back();
    try {
        build_profile(plan, partial, models);
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("d/b128/r3/infer"), std::string::npos) << e.what();
    }
}

TEST(EnergyEstimatorTest, PowerLawInMacsIsRecoveredWithSmallLeaveOneOutError) {
    ProfilePlan plan;
    plan.models = {"a", "b", "c", "d"};
    plan.batch_sizes = {64};
    const std::map<std::string, ModelCharacteristics> models = {
        {"a", model("a", 1e6, 1000)}, {"b", model("b", 1e7, 50000)}, {"c", model("c", 1e8, 20000)}, {"d", model("d", 1e9, 4000000)}};
    const Profile profile = build_profile(plan, power_law_run(plan, models, 1), models);
    const CharacteristicFit fit = fit_characteristic(profile, "train", 64, "macs");
    EXPECT_NEAR(fit.exponent, 0.8, 1e-9);
    EXPECT_LT(fit.loo_max_abs_error, 1e-9);
    // An unprofiled model of 3e8 MACs: 1e-6 x (3e8)^0.8 x 1.01 J per sample.
    EXPECT_NEAR(fit.predict_j_per_sample(model("e", 3e8, 1)), 1e-6 * std::pow(3e8, 0.8) * 1.01, 1e-9);
    // The features that do not follow the law predict worse; "auto" picks MACs.
    EXPECT_GT(fit_characteristic(profile, "train", 64, "params").loo_mean_abs_error, 0.1);
    EXPECT_EQ(best_characteristic_fit(profile, "infer", 64).feature, "macs");
    EXPECT_THROW(fit_characteristic(profile, "train", 32, "macs"), Error);  // no models at batch 32

    const TrainingEstimate e = estimate_training(profile, "b", 64, 20, 1000);
    EXPECT_NEAR(e.energy_j.value, 1e-6 * std::pow(1e7, 0.8) * 1.01 * 20000, 1e-6);
    EXPECT_EQ(e.observations, 1);
}
