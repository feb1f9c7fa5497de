#include <gtest/gtest.h>

#include "powerml/analysis/repetitions.hpp"
#include "powerml/core/error.hpp"

using namespace powerml;
using namespace powerml::analysis;

namespace {

ScenarioRun run(const std::string& id, double duration, double gross, double epoch_j, double temp) {
    ScenarioRun r;
    r.run_id = id;
    r.summary.duration_s = duration;
    r.summary.gross_j = gross;
    r.summary.net_j = gross;
    r.summary.metrics = {{"accuracy", 0.9}};
    PhaseSummary e;
    e.name = "epoch-1";
    e.start_s = 0;
    e.end_s = duration / 2;
    e.gross_j = epoch_j;
    e.net_j = epoch_j;
    e.usage.gauges_mean["NVML::GPU_TEMP@gpu-0"] = temp;
    r.summary.phases.push_back(e);
    return r;
}

}  // namespace

TEST(RepetitionsTest, IndicatorsAdjustedEnergyAndCorrelations) {
    // Energy exactly 20 W x duration; bare system 5 W: adjusted = 15 W x duration.
    std::vector<ScenarioRun> runs = {run("a", 10, 200, 90, 40), run("b", 11, 220, 100, 45), run("c", 12, 240, 110, 50),
                                     run("d", 13, 260, 120, 55)};
    const auto s = scenario_statistics("train", runs, 5.0);
    EXPECT_EQ(s.runs, 4u);
    const auto* adjusted = find_indicator(s.indicators, "adjusted_energy_j");
    ASSERT_NE(adjusted, nullptr);
    EXPECT_NEAR(adjusted->stats.mean, 15.0 * 11.5, 1e-9);
    const auto* gross = find_indicator(s.indicators, "gross_energy_j");
    EXPECT_NEAR(gross->stats.mean, 230, 1e-9);
    EXPECT_EQ(gross->run_ids, (std::vector<std::string>{"a", "b", "c", "d"}));
    // Efficiency divides by the adjusted energy: 0.9 / (165 J / 3600).
    const auto* eff = find_indicator(s.indicators, "efficiency:accuracy_per_wh");
    ASSERT_NE(eff, nullptr);
    EXPECT_NEAR(eff->values[0], 0.9 / (150.0 / 3600.0), 1e-9);
    ASSERT_EQ(s.phases.size(), 1u);
    EXPECT_EQ(s.phases[0].phase, "epoch-1");
    // Energy is linear in duration: r = 1 across runs; per epoch, energy against temperature too.
    bool runs_seen = false, epochs_seen = false;
    for (const auto& c : s.correlations) {
        if (c.scope == "runs" && c.x == "duration_s") {
            runs_seen = true;
            EXPECT_NEAR(c.pearson_r.r, 1.0, 1e-12);
            EXPECT_NEAR(c.fit->slope, 20.0, 1e-9);
        }
        if (c.scope == "epochs" && c.x == "gauge:NVML::GPU_TEMP@gpu-0") {
            epochs_seen = true;
            EXPECT_NEAR(c.spearman_rho.r, 1.0, 1e-12);
        }
    }
    EXPECT_TRUE(runs_seen);
    EXPECT_TRUE(epochs_seen);
    EXPECT_THROW(scenario_statistics("none", {}), Error);
}
