#include "powerml/sensors/rapl_msr_sensor.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>

#include "support/temp_dir.hpp"

using namespace powerml::sensors;

namespace {

// Writes `value` as the 8 little-endian bytes a real msr file returns at offset `reg`.
void write_msr(const std::filesystem::path& file, std::uint32_t reg, std::uint64_t value) {
    std::filesystem::create_directories(file.parent_path());
    if (!std::filesystem::exists(file)) std::ofstream(file, std::ios::binary).close();
    std::fstream out(file, std::ios::binary | std::ios::in | std::ios::out);
    out.seekp(reg);
    for (int i = 0; i < 8; ++i) out.put(static_cast<char>((value >> (8 * i)) & 0xff));
}

void write_cpu(const powerml::test::TempDir& sys, int cpu, int package, int core) {
    sys.write("sys/devices/system/cpu/cpu" + std::to_string(cpu) + "/topology/physical_package_id", std::to_string(package));
    sys.write("sys/devices/system/cpu/cpu" + std::to_string(cpu) + "/topology/core_id", std::to_string(core));
}

ProbeContext context(const powerml::test::TempDir& t) { return ProbeContext{t.path() / "sys", t.path() / "proc", {}}; }

// Registers by number: AMD's adjacent registers cannot share one flat file.
class ScriptedMsr final : public MsrAccess {
public:
    std::map<std::pair<int, std::uint32_t>, std::uint64_t> regs;
    void open_cpu(int) override {}
    bool read(int cpu, std::uint32_t reg, std::uint64_t& value) override {
        auto it = regs.find({cpu, reg});
        if (it == regs.end()) return false;
        value = it->second;
        return true;
    }
};

}  // namespace

TEST(RaplMsrSensorTest, IntelServerPackagesAndDramWithTheirUnitsAndWrap) {
    powerml::test::TempDir t;
    t.write("proc/cpuinfo", "processor\t: 0\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 85\n\n");
    write_cpu(t, 0, 0, 0);
    write_cpu(t, 1, 1, 0);
    const auto dev = t.path() / "dev";
    for (int cpu : {0, 1}) {
        const auto file = dev / "cpu" / std::to_string(cpu) / "msr";
        write_msr(file, msr::k_intel_power_unit, 0x000A0E03);  // ESU = 14: 61.035 uJ
        write_msr(file, msr::k_intel_pkg_energy, 0xABCD000000010000ULL + cpu);  // upper half reserved
        write_msr(file, msr::k_intel_dram_energy, 65536);
    }
    const Probe probe = probe_rapl_msr(context(t), msr_device_files(dev));
    ASSERT_NE(probe.sensor, nullptr) << probe.reason;
    auto& sensor = *probe.sensor;
    const auto signals = sensor.signals();
    ASSERT_EQ(signals.size(), 4u);
    EXPECT_EQ(signals[0].name, "RAPL_MSR::PKG_ENERGY");
    EXPECT_EQ(powerml::record::to_string(signals[0].component), "cpu");
    EXPECT_DOUBLE_EQ(signals[0].resolution, std::ldexp(1.0, -14));
    EXPECT_DOUBLE_EQ(signals[0].wrap_at, 4294967296.0 * std::ldexp(1.0, -14));
    EXPECT_EQ(signals[1].name, "RAPL_MSR::DRAM_ENERGY");
    EXPECT_DOUBLE_EQ(signals[1].resolution, std::ldexp(1.0, -16));  // server DRAM: fixed 15.3 uJ

    const int pkg1 = sensor.push_signal("RAPL_MSR::PKG_ENERGY", 1);
    const int dram0 = sensor.push_signal("RAPL_MSR::DRAM_ENERGY", 0);
    sensor.read_batch();
    EXPECT_DOUBLE_EQ(sensor.sample(pkg1), 65537.0 * std::ldexp(1.0, -14));
    EXPECT_DOUBLE_EQ(sensor.sample(dram0), 1.0);  // 65536 x 2^-16 J
    write_msr(dev / "cpu/1/msr", msr::k_intel_pkg_energy, 131072);
    sensor.read_batch();
    EXPECT_DOUBLE_EQ(sensor.sample(pkg1), 8.0);  // raw counter, never integrated here
}

TEST(RaplMsrSensorTest, AmdPackageAndCoresInsideIt) {
    powerml::test::TempDir t;
    t.write("proc/cpuinfo", "vendor_id\t: AuthenticAMD\ncpu family\t: 25\nmodel\t\t: 1\n");
    write_cpu(t, 0, 0, 0);
    write_cpu(t, 1, 0, 1);
    write_cpu(t, 2, 0, 0);  // SMT sibling of core 0: not read twice
    auto msr = std::make_shared<ScriptedMsr>();
    for (int cpu : {0, 1, 2}) {
        msr->regs[{cpu, msr::k_amd_power_unit}] = 0x000A1003;  // ESU = 16
        msr->regs[{cpu, msr::k_amd_pkg_energy}] = 3 * 65536;
        msr->regs[{cpu, msr::k_amd_core_energy}] = 65536 * (cpu + 1);
    }
    const Probe probe = probe_rapl_msr(context(t), msr);
    ASSERT_NE(probe.sensor, nullptr) << probe.reason;
    const auto signals = probe.sensor->signals();
    ASSERT_EQ(signals.size(), 3u);
    EXPECT_EQ(signals[1].name, "RAPL_MSR::CORE_ENERGY");
    EXPECT_EQ(signals[1].contained_in, "RAPL_MSR::PKG_ENERGY");
    const int pkg = probe.sensor->push_signal("RAPL_MSR::PKG_ENERGY", 0);
    const int core1 = probe.sensor->push_signal("RAPL_MSR::CORE_ENERGY", 1);
    probe.sensor->read_batch();
    EXPECT_DOUBLE_EQ(probe.sensor->sample(pkg), 3.0);
    EXPECT_DOUBLE_EQ(probe.sensor->sample(core1), 2.0);
}

TEST(RaplMsrSensorTest, MissingDriverAndUnknownVendorAreExplained) {
    powerml::test::TempDir t;
    t.write("proc/cpuinfo", "vendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 140\n");
    write_cpu(t, 0, 0, 0);
    const Probe no_driver = probe_rapl_msr(context(t), msr_device_files(t.path() / "dev"));
    EXPECT_EQ(no_driver.sensor, nullptr);
    EXPECT_NE(no_driver.reason.find("msr driver is not loaded"), std::string::npos);
    EXPECT_EQ(no_driver.remedy, "load the msr driver as root: modprobe msr");

    t.write("proc/cpuinfo", "vendor_id\t: ARM\n");
    const Probe arm = probe_rapl_msr(context(t), msr_device_files(t.path() / "dev"));
    EXPECT_EQ(arm.sensor, nullptr);
    EXPECT_NE(arm.reason.find("no known RAPL registers"), std::string::npos);
}
