// Prediction from the first epochs on a scripted timeline whose true totals are known.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "powerml/analysis/distributions.hpp"
#include "powerml/analysis/efficiency.hpp"
#include "powerml/analysis/prediction.hpp"
#include "powerml/core/error.hpp"

using namespace powerml;
using namespace powerml::record;
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
    pkg.info.component = powerml::record::Component::cpu;
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

// After k = 2: observed 5 + 22 + 24 = 51 J at 5 s; each further epoch: mean 23 J; 3 more:
// 51 + 69 = 120 J. The interval is log-normal: the sd of ln 22, ln 24 is
// |ln 24 - ln 22| / sqrt(2), and the 3 future epochs cost 69 x exp(+-t s sqrt(1/3 + 1/2)),
// t(0.975, 1) = 12.706.
TEST(PredictionTest, PredictionByHand) {
    const auto p = predict_from_epochs(five_epochs(), 2, 5);
    EXPECT_NEAR(p.observed_energy_j, 51, 1e-9);
    EXPECT_NEAR(p.energy_j, 120, 1e-9);
    EXPECT_NEAR(p.duration_s, 11, 1e-9);
    ASSERT_TRUE(p.energy_high_j);
    const double s_log = std::fabs(std::log(24.0) - std::log(22.0)) / std::sqrt(2.0);
    const double half_log = 12.7062 * s_log * std::sqrt(1.0 / 3 + 1.0 / 2);
    EXPECT_NEAR(*p.energy_high_j, 51 + 69 * std::exp(half_log), 0.05);
    EXPECT_NEAR(*p.energy_low_j, 51 + 69 * std::exp(-half_log), 0.05);
    EXPECT_GE(*p.energy_low_j, p.observed_energy_j);  // never less than what was already used
    EXPECT_NEAR(*p.duration_high_s - p.duration_s, 0.0, 1e-9);  // every epoch took exactly 2 s
    // k = N: the prediction is what was observed up to the end of the last epoch.
    const auto all = predict_from_epochs(five_epochs(), 5, 5);
    EXPECT_NEAR(all.energy_j, 135, 1e-9);
    // One epoch of 4 samples is too short to see its own spread: no interval, and the notes say
    // why (an epoch with 8 or more samples gets one: ABaselineDoesNotBiasThePrediction).
    const auto one = predict_from_epochs(five_epochs(), 1, 5);
    EXPECT_FALSE(one.energy_low_j.has_value());
    EXPECT_FALSE(one.duration_low_s.has_value());
    EXPECT_NEAR(one.energy_j, 5 + 22 * 5, 1e-9);
    ASSERT_FALSE(one.notes.empty());
    EXPECT_NE(one.notes[0].find("no interval"), std::string::npos) << one.notes[0];
    EXPECT_THROW(predict_from_epochs(five_epochs(), 6, 5), Error);
    EXPECT_THROW(predict_from_epochs(five_epochs(), 0, 5), Error);
}

TEST(PredictionTest, BacktestAgainstTheKnownTotal) {
    const auto points = backtest_prediction(five_epochs(), 5);
    ASSERT_EQ(points.size(), 3u);  // k = 2, 3, 4
    EXPECT_EQ(points[0].k, 2u);
    EXPECT_NEAR(points[0].energy_error_pct, (120.0 - 140.0) / 140.0 * 100.0, 1e-9);
    EXPECT_TRUE(points[0].energy_in_interval);  // 140 is inside the interval around 120
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

namespace {

// The case: an idle baseline of `baseline_s` at 10 W, then a job of 4 equal epochs of
// 1 s at 40 W each, back to back. Rows every 0.1 s on one summed counter.
Timeline equal_epochs_after_baseline(double baseline_s) {
    Timeline t;
    t.interval_s = 0.1;
    t.baseline_end_s = baseline_s;
    t.job_start_s = baseline_s;  // on a row, so that every row is all idle or all busy
    t.job_end_s = t.job_start_s + 4.0;
    Channel c;
    c.energy_kind = EnergyKind::counter;
    c.summed = true;
    t.channels = {c};
    t.rows.push_back({0, 0, {0}, {0}});
    const int n = static_cast<int>(std::lround((t.job_end_s + 0.2) / 0.1));
    for (int i = 1; i <= n; ++i) {
        const double a = (i - 1) * 0.1, b = i * 0.1;
        const double busy = std::max(0.0, std::min(b, t.job_end_s) - std::max(a, t.job_start_s));
        t.rows.push_back({b, 0, {0}, {40.0 * busy + 10.0 * (0.1 - busy)}});
    }
    for (int e = 0; e < 4; ++e) {
        const std::string name = "epoch-" + std::to_string(e + 1);
        t.phases.push_back({t.job_start_s + e, 0, name, true});
        t.phases.push_back({t.job_start_s + e + 1, 0, name, false});
    }
    return t;
}

}  // namespace

// Epoch times are on the timeline's clock, which starts with the idle baseline: an epoch's
// cycle must start where the previous epoch ended, not S seconds earlier.
TEST(PredictionTest, ABaselineDoesNotBiasThePrediction) {
    for (const double baseline : {0.0, 3.0, 5.0}) {
        const auto t = equal_epochs_after_baseline(baseline);
        const auto windows = epoch_windows(t);
        ASSERT_EQ(windows.size(), 4u);
        for (const auto& w : windows) {
            EXPECT_NEAR(w.cycle_s, 1.0, 1e-9) << "baseline " << baseline << " " << w.name;
            EXPECT_NEAR(w.cycle_j, 40.0, 1e-6) << "baseline " << baseline << " " << w.name;
        }
        const auto truth = run_totals(t);
        const auto p = predict_from_epochs(t, 2, 4);
        EXPECT_NEAR(p.energy_j, truth.energy_j, 0.03 * truth.energy_j) << "baseline " << baseline;
        EXPECT_NEAR(p.duration_s, truth.duration_s, 0.03 * truth.duration_s) << "baseline " << baseline;
        ASSERT_TRUE(p.energy_low_j && p.energy_high_j);
        EXPECT_LE(*p.energy_high_j - *p.energy_low_j, 0.01 * truth.energy_j) << "equal epochs: a narrow interval";
        // After one epoch of 10 samples at constant power: an interval from within the epoch.
        const auto one = predict_from_epochs(t, 1, 4);
        ASSERT_TRUE(one.energy_low_j && one.energy_high_j);
        EXPECT_LE(*one.energy_low_j, one.energy_j);
        EXPECT_GE(*one.energy_high_j, one.energy_j);
        EXPECT_GE(*one.energy_low_j, one.observed_energy_j);
    }
}

// However wild the epochs, no printed bound goes below zero or below what was already used.
TEST(PredictionTest, IntervalsArePhysicallyPossible) {
    const std::vector<std::vector<double>> cases = {{1, 100}, {0.5, 80, 3}, {100, 1, 50, 2}, {5, 200, 1, 300, 2, 1}};
    for (const auto& energies : cases) {
        const auto t = epochs_of(energies);
        for (std::size_t k = 1; k <= energies.size(); ++k) {
            const auto p = predict_from_epochs(t, k, 20);
            if (p.energy_low_j) {
                EXPECT_GE(*p.energy_low_j, p.observed_energy_j - 1e-9);
                EXPECT_GE(*p.energy_high_j, *p.energy_low_j);
            }
            if (p.duration_low_s) EXPECT_GE(*p.duration_low_s, p.observed_duration_s - 1e-9);
        }
    }
    // A steeply falling trend cannot predict negative epochs: the sum and bounds stop at zero.
    const auto falling = epochs_of({50, 40, 30, 20, 10, 1});
    const auto p = predict_from_epochs(falling, 6, 20);
    EXPECT_GE(p.energy_j, p.observed_energy_j - 1e-9);
    if (p.energy_low_j) EXPECT_GE(*p.energy_low_j, p.observed_energy_j - 1e-9);
}
