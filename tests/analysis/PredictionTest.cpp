// Prediction from the first epochs on a scripted timeline whose true totals are known.
#include <gtest/gtest.h>

#include <cmath>

#include "powerml/analysis/distributions.hpp"
#include "powerml/analysis/efficiency.hpp"
#include "powerml/analysis/prediction.hpp"
#include "powerml/core/error.hpp"

using namespace powerml;
using namespace powerml::sampler;
using namespace powerml::analysis;

namespace {

// One summed energy counter, rows every 0.5 s. Job [0, 12]: setup [0, 1] at 5 W, epochs i = 1..5
// of 2 s each at 10 + i W (energies 22, 24, 26, 28, 30 J), then 1 s at 5 W. True totals:
// 5 + 130 + 5 = 140 J in 12 s.
Timeline five_epochs() {
    Timeline t;
    t.interval_s = 0.5;
    t.job_start_s = 0;
    t.job_end_s = 12;
    Channel pkg;
    pkg.source = "rapl";
    pkg.info.name = "RAPL::PKG_ENERGY";
    pkg.info.domain = "package-0";
    pkg.info.component = "cpu";
    pkg.energy_kind = EnergyKind::counter;
    pkg.summed = true;
    t.channels = {pkg};
    auto power = [](double mid) {
        if (mid < 1 || mid > 11) return 5.0;
        return 10.0 + std::floor((mid - 1) / 2) + 1;
    };
    for (int i = 0; i <= 24; ++i) {
        SampleRow r;
        r.t_s = i * 0.5;
        r.values = {0};
        r.energy_j = {i == 0 ? 0.0 : power(r.t_s - 0.25) * 0.5};
        t.rows.push_back(r);
    }
    for (int e = 1; e <= 5; ++e) {
        const std::string name = "epoch-" + std::to_string(e);
        t.phases.push_back({1.0 + 2 * (e - 1), 0, name, true});
        t.phases.push_back({1.0 + 2 * e, 0, name, false});
    }
    t.metrics = {{0.1, "epochs_total", 5}};
    return t;
}

}  // namespace

TEST(PredictionTest, EpochWindowsAndTotals) {
    const auto t = five_epochs();
    const auto w = epoch_windows(t);
    ASSERT_EQ(w.size(), 5u);
    EXPECT_NEAR(w[0].gross_j, 22, 1e-9);
    EXPECT_NEAR(w[4].gross_j, 30, 1e-9);
    EXPECT_NEAR(w[2].cycle_s, 2, 1e-12);
    const auto totals = run_totals(t);
    EXPECT_NEAR(totals.energy_j, 140, 1e-9);
    EXPECT_NEAR(totals.duration_s, 12, 1e-12);
    EXPECT_EQ(declared_epochs_total(t), 5u);
}

// After k = 2: observed 5 + 22 + 24 = 51 J at 5 s; each further epoch: mean 23 J, sd sqrt(2);
// 3 more: 51 + 69 = 120 J; half-width t(0.975, 1) x sqrt(2) x sqrt(3 + 9/2) with t = 12.706.
TEST(PredictionTest, PredictionByHand) {
    const auto p = predict_from_epochs(five_epochs(), 2, 5);
    EXPECT_NEAR(p.observed_energy_j, 51, 1e-9);
    EXPECT_NEAR(p.energy_j, 120, 1e-9);
    EXPECT_NEAR(p.duration_s, 11, 1e-9);
    ASSERT_TRUE(p.energy_high_j);
    EXPECT_NEAR(*p.energy_high_j - p.energy_j, 12.706 * std::sqrt(2.0) * std::sqrt(7.5), 0.01);
    EXPECT_NEAR(*p.duration_high_s - p.duration_s, 0.0, 1e-9);  // every epoch took exactly 2 s
    // k = N: the prediction is what was observed up to the end of the last epoch.
    const auto all = predict_from_epochs(five_epochs(), 5, 5);
    EXPECT_NEAR(all.energy_j, 135, 1e-9);
    // One epoch: a point estimate and a note, no interval.
    const auto one = predict_from_epochs(five_epochs(), 1, 5);
    EXPECT_FALSE(one.energy_low_j.has_value());
    EXPECT_NEAR(one.energy_j, 5 + 22 * 5, 1e-9);
    EXPECT_THROW(predict_from_epochs(five_epochs(), 6, 5), Error);
    EXPECT_THROW(predict_from_epochs(five_epochs(), 0, 5), Error);
}

TEST(PredictionTest, BacktestAgainstTheKnownTotal) {
    const auto points = backtest_prediction(five_epochs(), 5);
    ASSERT_EQ(points.size(), 3u);  // k = 2, 3, 4
    EXPECT_EQ(points[0].k, 2u);
    EXPECT_NEAR(points[0].energy_error_pct, (120.0 - 140.0) / 140.0 * 100.0, 1e-9);
    EXPECT_TRUE(points[0].energy_in_interval);  // 140 is inside 120 +- 49
    // Up to the end of epoch 5 the run used 135 J in 11 s.
    EXPECT_NEAR(points[0].energy_to_last_epoch_error_pct, (120.0 - 135.0) / 135.0 * 100.0, 1e-9);
    EXPECT_NEAR(points[0].duration_to_last_epoch_error_pct, 0.0, 1e-9);
    // k = 4: 5 + 100 = 105 J observed, + 25 = 130 J (too few epochs for a trend).
    EXPECT_EQ(points[2].prediction.energy_model, "constant");
    EXPECT_NEAR(points[2].prediction.energy_j, 130, 1e-9);
}

namespace {

// Epochs of 1 s back to back from t = 0, with the given energies.
Timeline epochs_of(const std::vector<double>& energies) {
    Timeline t;
    t.job_start_s = 0;
    t.job_end_s = double(energies.size());
    Channel c;
    c.energy_kind = EnergyKind::counter;
    c.summed = true;
    t.channels = {c};
    t.rows.push_back({0, 0, {0}, {0}});
    for (std::size_t i = 0; i < energies.size(); ++i) {
        t.rows.push_back({i + 1.0, 0, {0}, {energies[i]}});
        t.phases.push_back({double(i), 0, "epoch-" + std::to_string(i + 1), true});
        t.phases.push_back({i + 1.0, 0, "epoch-" + std::to_string(i + 1), false});
    }
    return t;
}

}  // namespace

// A warm-up epoch (40 J) then 12, 14, 16, 18, 20 J: epochs 2..6 lie exactly on 8 + 2 i, so
// epochs 7 and 8 cost 22 and 24 J: 120 + 46 = 166 J. The constant model would say 120 + 2 x 20.
TEST(PredictionTest, TrendFromEpochTwoOnWhenClearlySloped) {
    const auto p = predict_from_epochs(epochs_of({40, 12, 14, 16, 18, 20}), 6, 8);
    EXPECT_EQ(p.energy_model, "trend");
    EXPECT_NEAR(p.energy_j, 166, 1e-9);
    EXPECT_NEAR(*p.energy_high_j, 166, 1e-9);  // no residual spread
    EXPECT_EQ(p.duration_model, "constant");    // every epoch took 1 s
    // 12, 15, 13, 16, 14 on i = 2..6: slope 0.5, se sqrt(2.5 / 10) = 0.5, t = 1 with 3 df: no
    // trend. Constant: mean of all six (110 / 6) for each of the two epochs left.
    const auto q = predict_from_epochs(epochs_of({40, 12, 15, 13, 16, 14}), 6, 8);
    EXPECT_EQ(q.energy_model, "constant");
    EXPECT_NEAR(q.energy_j, 110 + 2 * 110.0 / 6, 1e-9);
    // Four epochs are never enough for a trend.
    EXPECT_EQ(predict_from_epochs(epochs_of({10, 20, 30, 40}), 4, 8).energy_model, "constant");
}

TEST(PredictionTest, EfficiencyFactorsFromMetrics) {
    // 0.87 accuracy, 50000 samples, 9000 validation samples, 7200 J = 2 Wh = 7.2 kJ.
    const auto f = efficiency_factors({{"accuracy", 0.87}, {"samples", 50000}, {"val_samples", 9000}}, 7200, "net");
    ASSERT_EQ(f.size(), 3u);
    EXPECT_EQ(f[0].name, "accuracy_per_wh");
    EXPECT_NEAR(f[0].value, 0.435, 1e-12);
    EXPECT_EQ(f[1].name, "samples_per_kj");
    EXPECT_NEAR(f[1].value, 50000 / 7.2, 1e-9);
    EXPECT_EQ(f[2].name, "correct_per_wh");
    EXPECT_NEAR(f[2].value, 0.87 * 9000 / 2, 1e-9);
    // A reported `correct` count wins; no energy gives no factor.
    const auto g = efficiency_factors({{"correct", 8000}}, 3600);
    ASSERT_EQ(g.size(), 1u);
    EXPECT_NEAR(g[0].value, 8000, 1e-9);
    EXPECT_TRUE(efficiency_factors({{"accuracy", 0.9}}, 0).empty());
}
