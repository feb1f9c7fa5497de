#include <gtest/gtest.h>

#include "powerml/analysis/run_summary.hpp"

using namespace powerml;
using namespace powerml::record;
using namespace powerml::analysis;

namespace {

// A scripted timeline: one counter channel (package), one contained channel (core), one usage
// gauge (CPU utilisation). Rows every 1 s from t=0 to t=10. Baseline [0, 2], job [2, 10].
// Package power: 10 W during the baseline, 30 W during the job; core always half of package.
Timeline scripted() {
    Timeline t;
    t.interval_s = 1.0;
    t.baseline_end_s = 2.0;
    t.job_start_s = 2.0;
    t.job_end_s = 10.0;
    Channel pkg;
    pkg.source = "rapl";
    pkg.info.name = "RAPL::PKG_ENERGY";
    pkg.info.domain = "package-0";
    pkg.info.unit = record::Unit::joule;
    pkg.info.kind = record::SignalKind::counter;
    pkg.info.component = powerml::record::Component::cpu;
    pkg.info.resolution = 1e-6;
    pkg.energy_kind = EnergyKind::counter;
    pkg.summed = true;
    Channel core = pkg;
    core.info.name = "RAPL::CORE_ENERGY";
    core.info.domain = "core-0";
    core.info.contained_in = "package-0";
    core.summed = false;
    Channel util;
    util.source = "procfs";
    util.info.name = "PROCFS::CPU_UTIL";
    util.info.domain = "cpu";
    util.info.unit = record::Unit::ratio;
    t.channels = {pkg, core, util};
    for (int i = 0; i <= 10; ++i) {
        SampleRow r;
        r.t_s = i;
        const double p = i <= 2 ? 10.0 : 30.0;
        r.values = {0, 0, i <= 2 ? 0.0 : 0.5};
        r.energy_j = {i == 0 ? 0.0 : p, i == 0 ? 0.0 : p / 2, 0.0};
        t.rows.push_back(r);
    }
    // Phases: train [2, 8] containing epoch-1 [2, 5] and epoch-2 [5, 8]; eval [8.5, ...) never closed.
    t.phases = {{2, 0, "train", true}, {2, 0, "epoch-1", true}, {5, 0, "epoch-1", false}, {5, 0, "epoch-2", true},
                {8, 0, "epoch-2", false}, {8, 0, "train", false}, {8.5, 0, "eval", true}};
    t.metrics = {{4.0, "accuracy", 0.5}, {7.0, "accuracy", 0.75}};
    return t;
}

}  // namespace

TEST(RunSummaryTest, GrossBaselineNetFollowSeed001) {
    const auto s = summarize(scripted());
    EXPECT_DOUBLE_EQ(s.duration_s, 8.0);
    EXPECT_DOUBLE_EQ(s.gross_j, 240.0);     // 30 W x 8 s, the core is not added again
    EXPECT_DOUBLE_EQ(s.baseline_j, 80.0);   // 10 W idle x 8 s
    EXPECT_DOUBLE_EQ(s.net_j, 160.0);
    ASSERT_EQ(s.components.size(), 2u);
    EXPECT_EQ(s.components[0].kind, record::EnergyKind::counter);
    EXPECT_DOUBLE_EQ(s.components[0].mean_power_w, 30.0);
    EXPECT_DOUBLE_EQ(s.components[0].baseline_power_w, 10.0);
    EXPECT_FALSE(s.components[1].summed);
    EXPECT_DOUBLE_EQ(s.components[1].gross_j, 120.0);
    // The baseline power had no spread and the counter's resolution is 1 uJ.
    EXPECT_LT(s.uncertainty_j, 1e-5);
    EXPECT_DOUBLE_EQ(*s.usage.cpu_util_mean, 0.5);
}

TEST(RunSummaryTest, NestedPhasesGetTheirShare) {
    const auto s = summarize(scripted());
    ASSERT_EQ(s.phases.size(), 4u);
    EXPECT_EQ(s.phases[0].name, "train");
    EXPECT_EQ(s.phases[0].depth, 0);
    EXPECT_DOUBLE_EQ(s.phases[0].gross_j, 180.0);
    EXPECT_DOUBLE_EQ(s.phases[0].net_j, 120.0);
    EXPECT_EQ(s.phases[1].name, "epoch-1");
    EXPECT_EQ(s.phases[1].depth, 1);
    EXPECT_EQ(s.phases[1].parent, "train");
    EXPECT_DOUBLE_EQ(s.phases[1].gross_j, 90.0);
    EXPECT_DOUBLE_EQ(s.phases[1].metrics.at("accuracy"), 0.5);
    EXPECT_DOUBLE_EQ(s.phases[2].metrics.at("accuracy"), 0.75);
    // eval never ended: it closes with the job, and the summary says so.
    EXPECT_EQ(s.phases[3].name, "eval");
    EXPECT_TRUE(s.phases[3].closed_at_exit);
    EXPECT_DOUBLE_EQ(s.phases[3].end_s, 8.0);
    EXPECT_DOUBLE_EQ(s.phases[3].gross_j, 45.0);  // 1.5 s at 30 W, pro-rated across the 8-9 s row
    EXPECT_DOUBLE_EQ(s.metrics.at("accuracy"), 0.75);
}

TEST(RunSummaryTest, BaselineSpreadBecomesUncertainty) {
    Timeline t = scripted();
    // Idle rows of 8 and 12 W (mean 10, sd 2.83, se 2): net uncertainty >= 2 W x 8 s.
    t.rows[1].energy_j[0] = 8.0;
    t.rows[2].energy_j[0] = 12.0;
    const auto s = summarize(t);
    EXPECT_DOUBLE_EQ(s.baseline_j, 80.0);
    EXPECT_NEAR(s.uncertainty_j, 16.0, 1e-6);
}

TEST(RunSummaryTest, NoBaselineMeansNetEqualsGrossAndANote) {
    Timeline t = scripted();
    t.baseline_end_s = 0;
    const auto s = summarize(t);
    EXPECT_DOUBLE_EQ(s.net_j, s.gross_j);
    bool noted = false;
    for (const auto& n : s.notes) noted |= n.find("no idle baseline") != std::string::npos;
    EXPECT_TRUE(noted);
}

TEST(RunSummaryTest, WindowProRatesStraddlingRows) {
    const Timeline t = scripted();
    EXPECT_DOUBLE_EQ(channel_energy(t, 0, 2.5, 3.5), 30.0);
    EXPECT_DOUBLE_EQ(channel_energy(t, 0, 0.0, 10.0), 20.0 + 240.0);
}
