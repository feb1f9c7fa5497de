#include <gtest/gtest.h>

#include <cmath>

#include "powerml/sampler/energy_integrator.hpp"

using namespace powerml::record;
using namespace powerml::sampler;

namespace {

Channel counter_channel(double wrap_at) {
    Channel c;
    c.source = "rapl";
    c.info.name = "RAPL::PKG_ENERGY";
    c.info.unit = powerml::record::Unit::joule;
    c.info.kind = powerml::record::SignalKind::counter;
    c.info.wrap_at = wrap_at;
    c.info.component = powerml::record::Component::cpu;
    c.energy_kind = EnergyKind::counter;
    c.summed = true;
    return c;
}

Channel power_channel() {
    Channel c;
    c.source = "nvml";
    c.info.name = "NVML::GPU_POWER";
    c.info.unit = powerml::record::Unit::watt;
    c.info.kind = powerml::record::SignalKind::gauge;
    c.info.component = powerml::record::Component::gpu;
    c.energy_kind = EnergyKind::integrated_power;
    c.summed = true;
    return c;
}

SampleRow row(double t, double value) {
    SampleRow r;
    r.t_s = t;
    r.values = {value};
    return r;
}

}  // namespace

TEST(EnergyIntegratorTest, CounterWrapInTheMiddleKeepsTheEnergy) {
    // The RAPL MSR range: 32 bits of 15.3 uJ is ~65.5 kJ.
    const double wrap = 65536.0;
    std::vector<Channel> channels{counter_channel(wrap)};
    EnergyIntegrator integrator(channels);
    DataQuality quality;
    const double readings[] = {65000.0, 65400.0, 264.0, 664.0};  // +400, +400 across the wrap, +400
    double total = 0;
    for (int i = 0; i < 4; ++i) {
        SampleRow r = row(i * 0.1, readings[i]);
        integrator.add(r, quality);
        total += r.energy_j[0];
    }
    EXPECT_DOUBLE_EQ(total, 1200.0);
    EXPECT_EQ(quality.counter_wraps, 1);
    EXPECT_EQ(quality.counter_resets, 0);
}

TEST(EnergyIntegratorTest, DecreaseWithoutWrapRangeIsAResetNotNegativeEnergy) {
    std::vector<Channel> channels{counter_channel(0.0)};
    EnergyIntegrator integrator(channels);
    DataQuality quality;
    double total = 0;
    for (const auto& [t, v] : std::vector<std::pair<double, double>>{{0, 100}, {1, 150}, {2, 20}, {3, 70}}) {
        SampleRow r = row(t, v);
        integrator.add(r, quality);
        EXPECT_GE(r.energy_j[0], 0.0);
        total += r.energy_j[0];
    }
    EXPECT_DOUBLE_EQ(total, 50 + 20 + 50);
    EXPECT_EQ(quality.counter_resets, 1);
}

TEST(EnergyIntegratorTest, FailedReadCarriesTheCounterToTheNextGoodRead) {
    std::vector<Channel> channels{counter_channel(0.0)};
    EnergyIntegrator integrator(channels);
    DataQuality quality;
    double total = 0;
    for (const auto& [t, v] : std::vector<std::pair<double, double>>{{0, 10}, {1, NAN}, {2, 30}}) {
        SampleRow r = row(t, v);
        integrator.add(r, quality);
        total += r.energy_j[0];
    }
    EXPECT_DOUBLE_EQ(total, 20.0);
    EXPECT_EQ(quality.read_errors, 1);
}

TEST(EnergyIntegratorTest, IntegratedPowerMatchesAnalyticEnergyToATenthOfAPercent) {
    // P(t) = 150 + 100 sin(2 pi t / 7) W over 60 s at 100 ms: E = 150*60 + 100*7/(2 pi)*(1 - cos(2 pi 60/7)).
    std::vector<Channel> channels{power_channel()};
    EnergyIntegrator integrator(channels);
    DataQuality quality;
    const double pi = std::acos(-1.0);
    double total = 0;
    for (int i = 0; i <= 600; ++i) {
        const double t = i * 0.1;
        SampleRow r = row(t, 150.0 + 100.0 * std::sin(2 * pi * t / 7.0));
        integrator.add(r, quality);
        total += r.energy_j[0];
    }
    const double analytic = 150.0 * 60.0 + 100.0 * 7.0 / (2 * pi) * (1.0 - std::cos(2 * pi * 60.0 / 7.0));
    EXPECT_NEAR(total, analytic, analytic * 0.001);
}

TEST(EnergyIntegratorTest, GaugeGapIsInterpolatedAcross) {
    std::vector<Channel> channels{power_channel()};
    EnergyIntegrator integrator(channels);
    DataQuality quality;
    double total = 0;
    for (const auto& [t, v] : std::vector<std::pair<double, double>>{{0, 100}, {1, NAN}, {2, 100}}) {
        SampleRow r = row(t, v);
        integrator.add(r, quality);
        total += r.energy_j[0];
    }
    EXPECT_DOUBLE_EQ(total, 200.0);
    EXPECT_EQ(quality.read_errors, 1);
}

TEST(EnergyIntegratorTest, ModelledPowerCoversTheTimeUpToItsReadingOnlyWhenFresh) {
    // A model read at 0, 0.05 and 0.1 s inside rows every 10 ms: each reading is the power over
    // the time since the one before (utilisation over that window), so it is charged to that
    // time; rows between readings hold the last value, get no energy and are no read errors.
    Channel model = power_channel();
    model.energy_kind = EnergyKind::model;
    std::vector<Channel> channels{model};
    EnergyIntegrator integrator(channels);
    DataQuality quality;
    double total = 0;
    for (int i = 0; i <= 10; ++i) {
        const double t = i * 0.01;
        const bool fresh = i % 5 == 0;
        const double watts = i <= 5 ? (i == 0 ? 10.0 : 40.0) : 20.0;  // 40 W over (0, 0.05], 20 W over (0.05, 0.1]
        SampleRow r = row(t, i == 7 ? NAN : watts);                  // a held NaN is not read again
        const unsigned char flag = fresh;
        integrator.add(r, quality, std::span<const unsigned char>(&flag, 1));
        if (!fresh) EXPECT_EQ(r.energy_j[0], 0.0);
        total += r.energy_j[0];
    }
    EXPECT_NEAR(total, 40.0 * 0.05 + 20.0 * 0.05, 1e-12);
    EXPECT_EQ(quality.read_errors, 0);
}
