// Sampler::live(): running totals for readers that poll while sampling (powerml serve's
// /metrics), and keep_rows = false, which bounds memory for a sampler that runs for months.
#include "powerml/sampler/sampler.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <thread>

namespace {

using namespace powerml;
using namespace powerml::sensors;

class ScriptedClock final : public Clock {
public:
    double monotonic_s() const override { return t; }
    UtcMillis utc_ms() const override { return 1'700'000'000'000 + static_cast<UtcMillis>(t * 1000); }
    double t = 0;
};

// One energy counter (wraps at 100 J), one power gauge and one usage gauge.
class ScriptedSensor final : public Sensor {
public:
    std::string_view name() const noexcept override { return "scripted"; }
    std::vector<SignalInfo> signals() const override {
        SignalInfo counter, power, usage;
        counter.name = "S::PKG_ENERGY";
        counter.domain = "package-0";
        counter.unit = record::Unit::joule;
        counter.kind = SignalKind::counter;
        counter.wrap_at = 100.0;
        counter.component = powerml::record::Component::cpu;
        power.name = "S::GPU_POWER";
        power.domain = "gpu-0";
        power.unit = record::Unit::watt;
        power.component = powerml::record::Component::gpu;
        usage.name = "S::UTIL";
        usage.domain = "cpu";
        usage.unit = record::Unit::ratio;
        return {counter, power, usage};
    }
    int push_signal(std::string_view signal, int) override {
        return signal == "S::PKG_ENERGY" ? 0 : signal == "S::GPU_POWER" ? 1 : 2;
    }
    void read_batch() override {}
    double sample(int handle) const override { return handle == 0 ? energy : handle == 1 ? watts : 0.5; }
    double energy = 90.0;
    double watts = 20.0;
};

TEST(SamplerLiveTest, CumulativeEnergyAndLastPowerAcrossAWrapWithoutKeepingRows) {
    ScriptedClock clock;
    auto sensor = std::make_unique<ScriptedSensor>();
    ScriptedSensor* s = sensor.get();
    std::vector<std::unique_ptr<Sensor>> sensors;
    sensors.push_back(std::move(sensor));
    sampler::Sampler::Options options;
    options.interval_s = 1.0;
    options.keep_rows = false;
    sampler::Sampler sampler(std::move(sensors), options, clock);

    sampler.sample_once();  // t = 0: counter 90 J, 20 W
    clock.t = 2.0;
    s->energy = 10.0;  // wrapped: 100 - 90 + 10 = 20 J in 2 s
    s->watts = 40.0;   // trapezoid: (20 + 40) / 2 * 2 = 60 J
    sampler.sample_once();
    clock.t = 3.0;
    s->energy = 15.0;  // 5 J in 1 s
    sampler.sample_once();

    const auto live = sampler.live();
    ASSERT_EQ(live.energy_j.size(), 3u);
    EXPECT_EQ(live.samples, 3u);
    EXPECT_NEAR(live.energy_j[0], 25.0, 1e-9);
    EXPECT_NEAR(live.power_w[0], 5.0, 1e-9);
    EXPECT_NEAR(live.energy_j[1], 60.0 + 40.0, 1e-9);
    EXPECT_NEAR(live.power_w[1], 40.0, 1e-9);
    EXPECT_EQ(live.energy_j[2], 0.0);  // usage channel: no energy
    EXPECT_NEAR(live.values[2], 0.5, 1e-12);
    EXPECT_EQ(live.quality.counter_wraps, 1);
    EXPECT_NEAR(live.t_s, 3.0, 1e-12);
    // Only the newest row is held, whatever the run length.
    EXPECT_EQ(sampler.snapshot().rows.size(), 1u);
}

TEST(SamplerLiveTest, KeepsEveryRowByDefault) {
    ScriptedClock clock;
    std::vector<std::unique_ptr<Sensor>> sensors;
    sensors.push_back(std::make_unique<ScriptedSensor>());
    sampler::Sampler sampler(std::move(sensors), {}, clock);
    for (int i = 0; i < 4; ++i) {
        clock.t = 0.1 * i;
        sampler.sample_once();
    }
    EXPECT_EQ(sampler.snapshot().rows.size(), 4u);
    EXPECT_EQ(sampler.live().samples, 4u);
    EXPECT_TRUE(std::isnan(sampler.live().power_w[2]));
}

// A sensor that counts its reads and asks to be read no more than every 50 ms.
class CountingSensor final : public Sensor {
public:
    explicit CountingSensor(double period_s) : m_period_s(period_s) {}
    std::string_view name() const noexcept override { return "counting"; }
    std::vector<SignalInfo> signals() const override {
        SignalInfo usage;
        usage.name = "C::READS";
        usage.unit = record::Unit::count;
        return {usage};
    }
    int push_signal(std::string_view, int) override { return 0; }
    void read_batch() override { ++reads; }
    double sample(int) const override { return static_cast<double>(reads.load()); }
    double min_read_period_s() const override { return m_period_s; }
    std::atomic<int> reads{0};

private:
    double m_period_s;
};

TEST(SamplerLiveTest, EachSensorAtItsOwnRate) {
    auto slow = std::make_unique<CountingSensor>(0.05);
    auto fast = std::make_unique<CountingSensor>(0.0);
    CountingSensor* s = slow.get();
    CountingSensor* f = fast.get();
    std::vector<std::unique_ptr<Sensor>> sensors;
    sensors.push_back(std::move(slow));
    sensors.push_back(std::move(fast));
    sampler::Sampler::Options options;
    options.interval_s = 0.002;
    sampler::Sampler sampler(std::move(sensors), options);
    sampler.start();
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    sampler.stop();
    const auto t = sampler.take_timeline();
    const double span = t.rows.back().t_s - t.rows.front().t_s;
    // The fast sensor every sample; the slow one every 50 ms (however late the machine wakes the
    // thread, never more often) plus the first and last samples, which read everything.
    EXPECT_EQ(f->reads.load(), static_cast<int>(t.rows.size()));
    EXPECT_LE(s->reads.load(), static_cast<int>(span / 0.049) + 2);
    EXPECT_GE(s->reads.load(), 3);
    // Between its reads the slow sensor's channel holds its last value.
    for (std::size_t i = 1; i < t.rows.size(); ++i) EXPECT_GE(t.rows[i].values[0], t.rows[i - 1].values[0]);
}

}  // namespace
