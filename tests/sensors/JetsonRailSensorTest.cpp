#include "powerml/sensors/jetson_rail_sensor.hpp"

#include <gtest/gtest.h>

#include "support/temp_dir.hpp"

using namespace powerml::sensors;

namespace {
// A Jetson Orin-like INA3221: VDD_IN, VDD_CPU_GPU_CV, VDD_SOC and the driver's sum channel.
void write_orin(const powerml::test::TempDir& sys) {
    const std::string hw = "bus/i2c/drivers/ina3221/1-0040/hwmon/hwmon4/";
    sys.write(hw + "name", "ina3221\n");
    sys.write(hw + "in1_label", "VDD_IN\n");
    sys.write(hw + "in1_input", "5048\n");
    sys.write(hw + "curr1_input", "1424\n");
    sys.write(hw + "in2_label", "VDD_CPU_GPU_CV\n");
    sys.write(hw + "in2_input", "5040\n");
    sys.write(hw + "curr2_input", "412\n");
    sys.write(hw + "in3_label", "VDD_SOC\n");
    sys.write(hw + "in3_input", "5032\n");
    sys.write(hw + "curr3_input", "600\n");
    sys.write(hw + "in7_label", "sum of shunt voltages\n");
    sys.write(hw + "in7_input", "40\n");
    sys.write(hw + "curr7_input", "2436\n");
}
}  // namespace

TEST(JetsonRailSensorTest, RailPowerIsVoltageTimesCurrentAndInputRailHoldsTheOthers) {
    powerml::test::TempDir sys;
    write_orin(sys);
    const Probe probe = probe_jetson(ProbeContext{sys.path(), {}, {}});
    ASSERT_NE(probe.sensor, nullptr) << probe.reason;
    EXPECT_EQ(probe.detail, "VDD_IN, VDD_CPU_GPU_CV, VDD_SOC");
    auto& sensor = *probe.sensor;
    const auto signals = sensor.signals();
    ASSERT_EQ(signals.size(), 9u);
    EXPECT_EQ(powerml::record::to_string(signals[0].component), "node");
    EXPECT_TRUE(signals[0].contained_in.empty());
    EXPECT_EQ(signals[3].domain, "VDD_CPU_GPU_CV");
    EXPECT_EQ(powerml::record::to_string(signals[3].component), "soc");
    EXPECT_EQ(signals[3].contained_in, "JETSON::RAIL_POWER VDD_IN");

    const int in = sensor.push_signal("JETSON::RAIL_POWER", 0);
    const int cpu_gpu = sensor.push_signal("JETSON::RAIL_POWER", 1);
    const int volts = sensor.push_signal("JETSON::RAIL_VOLTAGE", 2);
    const int amps = sensor.push_signal("JETSON::RAIL_CURRENT", 2);
    sensor.read_batch();
    EXPECT_NEAR(sensor.sample(in), 5.048 * 1.424, 1e-12);
    EXPECT_NEAR(sensor.sample(cpu_gpu), 5.040 * 0.412, 1e-12);
    EXPECT_NEAR(sensor.sample(volts), 5.032, 1e-12);
    EXPECT_NEAR(sensor.sample(amps), 0.600, 1e-12);
}

TEST(JetsonRailSensorTest, NoBoardMeansUnusableWithReason) {
    powerml::test::TempDir sys;
    const Probe probe = probe_jetson(ProbeContext{sys.path(), {}, {}});
    EXPECT_EQ(probe.sensor, nullptr);
    EXPECT_NE(probe.reason.find("INA3221"), std::string::npos);
}
