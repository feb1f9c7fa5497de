#include "powerml/sensors/hwmon_sensor.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "support/temp_dir.hpp"

using namespace powerml::sensors;

namespace {
const SignalInfo* find(const std::vector<SignalInfo>& s, const std::string& name, const std::string& domain) {
    for (const auto& i : s)
        if (i.name == name && i.domain == domain) return &i;
    return nullptr;
}
}  // namespace

TEST(HwmonSensorTest, FindsPowerAndEnergyWithLabelsUnitsAndComponents) {
    powerml::test::TempDir sys;
    sys.write("class/hwmon/hwmon0/name", "k10temp\n");
    sys.write("class/hwmon/hwmon0/temp1_input", "45000\n");  // not power: ignored
    sys.write("class/hwmon/hwmon2/name", "amdgpu\n");
    sys.write("class/hwmon/hwmon2/power1_average", "35000000\n");  // 35 W, no _input: used
    sys.write("class/hwmon/hwmon2/power1_label", "PPT\n");
    sys.write("class/hwmon/hwmon10/name", "amd_energy\n");
    sys.write("class/hwmon/hwmon10/energy1_input", "123456789\n");
    sys.write("class/hwmon/hwmon10/energy1_label", "Esocket0\n");
    sys.write("class/hwmon/hwmon10/energy2_input", "2000000\n");
    sys.write("class/hwmon/hwmon10/energy2_label", "Ecore000\n");
    sys.write("class/hwmon/hwmon5/name", "power_meter\n");  // ACPI power meter: the whole machine
    sys.write("class/hwmon/hwmon5/power1_average", "240000000\n");
    sys.write("class/hwmon/hwmon6/name", "ina2xx\n");  // some rail: unknown component
    sys.write("class/hwmon/hwmon6/power1_input", "3000000\n");
    sys.write("class/hwmon/hwmon3/name", "ina3221\n");  // the jetson source's, not ours
    sys.write("class/hwmon/hwmon3/in1_input", "5000\n");

    const Probe probe = probe_hwmon(ProbeContext{sys.path(), {}, {}});
    ASSERT_NE(probe.sensor, nullptr) << probe.reason;
    auto& sensor = *probe.sensor;
    const auto signals = sensor.signals();
    ASSERT_EQ(signals.size(), 5u);
    const SignalInfo* other = find(signals, "HWMON::POWER", "ina2xx/power1");
    ASSERT_NE(other, nullptr);
    EXPECT_EQ(powerml::record::to_string(other->component), "other");
    EXPECT_FALSE(other->contained_in.empty());
    const SignalInfo* node = find(signals, "HWMON::POWER", "power_meter/power1");
    ASSERT_NE(node, nullptr);
    EXPECT_EQ(powerml::record::to_string(node->component), "node");
    EXPECT_FALSE(node->contained_in.empty());  // overlaps RAPL/NVML: compared, never summed
    const SignalInfo* gpu = find(signals, "HWMON::POWER", "amdgpu/PPT");
    ASSERT_NE(gpu, nullptr);
    EXPECT_EQ(powerml::record::to_string(gpu->component), "gpu");
    EXPECT_EQ(gpu->kind, SignalKind::gauge);
    const SignalInfo* socket = find(signals, "HWMON::ENERGY", "amd_energy/Esocket0");
    ASSERT_NE(socket, nullptr);
    EXPECT_EQ(socket->kind, SignalKind::counter);
    EXPECT_EQ(powerml::record::to_string(socket->component), "cpu");
    EXPECT_TRUE(socket->contained_in.empty());
    const SignalInfo* core = find(signals, "HWMON::ENERGY", "amd_energy/Ecore000");
    ASSERT_NE(core, nullptr);
    EXPECT_FALSE(core->contained_in.empty());  // inside the socket: never summed

    const int p = sensor.push_signal("HWMON::POWER", gpu->domain_idx);
    const int e = sensor.push_signal("HWMON::ENERGY", socket->domain_idx);
    sensor.read_batch();
    EXPECT_DOUBLE_EQ(sensor.sample(p), 35.0);
    EXPECT_NEAR(sensor.sample(e), 123.456789, 1e-9);
    sys.write("class/hwmon/hwmon10/energy1_input", "garbage\n");
    sensor.read_batch();
    EXPECT_TRUE(std::isnan(sensor.sample(e)));
}

TEST(HwmonSensorTest, NoSensorMeansUnusableWithReason) {
    powerml::test::TempDir sys;
    sys.write("class/hwmon/hwmon0/name", "coretemp\n");
    const Probe probe = probe_hwmon(ProbeContext{sys.path(), {}, {}});
    EXPECT_EQ(probe.sensor, nullptr);
    EXPECT_NE(probe.reason.find("no hwmon power or energy sensor"), std::string::npos);
    EXPECT_FALSE(probe.remedy.empty());
}
