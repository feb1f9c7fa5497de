#include "powerml/sensors/gpu_energy_check.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

using powerml::sensors::reconcile_gpu_energy;

TEST(GpuEnergyCheckTest, PrefersCounterAndReportsDifference) {
    const auto c = reconcile_gpu_energy(1100.0, 1000.0, 10.0);
    EXPECT_EQ(c.method, "counter");
    EXPECT_DOUBLE_EQ(c.energy_j, 1100.0);
    EXPECT_DOUBLE_EQ(c.difference_j, 100.0);
    EXPECT_DOUBLE_EQ(c.relative_difference, 0.1);
    EXPECT_TRUE(c.note.empty());  // 10 % is within the tolerance
    const auto far = reconcile_gpu_energy(1300.0, 1000.0, 10.0);
    EXPECT_NE(far.note.find("+30.0 %"), std::string::npos);
}

TEST(GpuEnergyCheckTest, ShortWindowOrStuckCounterFallsBackToIntegratedPower) {
    const auto shortw = reconcile_gpu_energy(0.0, 2.5, 0.05);
    EXPECT_EQ(shortw.method, "integrated-power");
    EXPECT_DOUBLE_EQ(shortw.energy_j, 2.5);
    EXPECT_NE(shortw.note.find("shorter than the counter's update period"), std::string::npos);
    const auto stuck = reconcile_gpu_energy(0.0, 30.0, 0.5);
    EXPECT_EQ(stuck.method, "integrated-power");
    const auto none = reconcile_gpu_energy(std::numeric_limits<double>::quiet_NaN(), 30.0, 5.0);
    EXPECT_EQ(none.method, "integrated-power");
    EXPECT_TRUE(std::isnan(none.difference_j));
}
