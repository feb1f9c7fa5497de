#include "powerml/sensors/rapl_choice.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "powerml/core/error.hpp"

using namespace powerml::sensors;

namespace {

// A package-energy counter that advances by `step` J per window and wraps at `wrap`.
class StepSensor final : public Sensor {
public:
    StepSensor(std::string source, double start, double wrap) : m_source(std::move(source)), m_value(start), m_wrap(wrap) {}
    std::string_view name() const noexcept override { return m_source; }
    std::vector<SignalInfo> signals() const override {
        SignalInfo pkg;
        pkg.name = "X::PKG_ENERGY";
        pkg.unit = powerml::record::Unit::joule;
        pkg.kind = SignalKind::counter;
        pkg.wrap_at = m_wrap;
        pkg.component = powerml::record::Component::cpu;
        SignalInfo core = pkg;
        core.name = "X::CORE_ENERGY";
        core.contained_in = "X::PKG_ENERGY";  // must not be added to the package
        return {pkg, core};
    }
    int push_signal(std::string_view, int) override { return m_pushes++; }
    void read_batch() override {}
    double sample(int) const override { return m_value; }
    void advance(double joules) { m_value = std::fmod(m_value + joules, m_wrap); }
    int m_pushes = 0;

private:
    std::string m_source;
    double m_value, m_wrap;
};

Probe usable(const std::string& source, std::unique_ptr<StepSensor> s) {
    Probe p;
    p.source = source;
    p.sensor = std::move(s);
    return p;
}

}  // namespace

TEST(RaplChoiceTest, KeepsPerfEventOverPowercapAndMsrAndComparesOverTheWindow) {
    std::vector<Probe> probes;
    auto msr = std::make_unique<StepSensor>("rapl_msr", 100.0, 1000.0);
    auto perf = std::make_unique<StepSensor>("rapl_perf", 5.0, 1e18);
    StepSensor* msr_raw = msr.get();
    StepSensor* perf_raw = perf.get();
    probes.push_back(usable("rapl_msr", std::move(msr)));
    Probe nvml;
    nvml.source = "nvml";
    nvml.reason = "no library";
    probes.push_back(std::move(nvml));
    probes.push_back(usable("rapl_perf", std::move(perf)));

    std::vector<std::string> notes;
    // During the window perf sees 50 J and the MSR source 60 J: a 20 % disagreement.
    choose_rapl_source(probes, notes, [&] {
        perf_raw->advance(50.0);
        msr_raw->advance(60.0);  // 100 -> 160
    });
    EXPECT_NE(probes[2].sensor, nullptr);  // rapl_perf kept
    EXPECT_EQ(probes[0].sensor, nullptr);
    EXPECT_EQ(probes[0].reason, "not used: rapl_perf preferred");
    EXPECT_EQ(probes[1].reason, "no library");
    ASSERT_EQ(notes.size(), 1u);
    EXPECT_NE(notes[0].find("+20.0 %"), std::string::npos) << notes[0];
    EXPECT_NE(notes[0].find("disagree"), std::string::npos);
}

TEST(RaplChoiceTest, WrapIsCorrectedAndAgreementIsQuiet) {
    StepSensor a("rapl", 990.0, 1000.0), b("rapl_msr", 10.0, 1e9);
    const auto r = compare_cpu_energy(a, b, [&] {
        a.advance(20.0);  // 990 -> 10 through the wrap
        b.advance(20.2);
    });
    ASSERT_TRUE(r.comparable);
    EXPECT_NEAR(r.a_j, 20.0, 1e-9);
    EXPECT_NEAR(r.relative_difference, 0.01, 1e-9);
}
