#include <gtest/gtest.h>

#include "powerml/sensors/model_sensor.hpp"
#include "support/temp_dir.hpp"

using namespace powerml;
using namespace powerml::sensors;

namespace {
const std::filesystem::path k_data = POWERML_TEST_SOURCE_DIR "/../data";

void write_proc(const test::TempDir& proc, const std::string& model, int cpus, bool vm, int sockets = 1) {
    std::string cpuinfo;
    for (int i = 0; i < cpus; ++i) {
        cpuinfo += "processor\t: " + std::to_string(i) + "\nmodel name\t: " + model + "\nphysical id\t: " +
                   std::to_string(i % sockets) + "\nflags\t\t: fpu sse2" + (vm ? " hypervisor" : "") + " avx\n\n";
    }
    proc.write("cpuinfo", cpuinfo);
    proc.write("meminfo", "MemTotal:       16000000 kB\nMemAvailable:   8000000 kB\n");
    proc.write("stat", "cpu  100 0 0 100 0 0 0 0 0 0\n");
}
}  // namespace

TEST(ModelSensorTest, NormalisesCpuNames) {
    EXPECT_EQ(normalise_cpu_name("Intel(R) Core(TM) i7-8700K CPU @ 3.70GHz"), "intel core i7-8700k");
    EXPECT_EQ(normalise_cpu_name("AMD Ryzen 7 1700 Eight-Core Processor"), "amd ryzen 7 1700 eight-core");
    EXPECT_EQ(normalise_cpu_name("AMD EPYC 7763 64-Core Processor"), "amd epyc 7763");
}

TEST(ModelSensorTest, BareMetalUsesTdpFromTheTable) {
    test::TempDir proc;
    write_proc(proc, "Intel(R) Core(TM) i7-8700K CPU @ 3.70GHz", 12, false);
    const auto curve = choose_cpu_curve(read_machine_info(proc.path()), k_data);
    EXPECT_EQ(curve.model_id, "tdp-linear:Intel Core i7-8700K");
    EXPECT_DOUBLE_EQ(curve.max_w, 95.0);
    EXPECT_DOUBLE_EQ(curve.idle_w, 9.5);
    EXPECT_DOUBLE_EQ(curve.watts(0.5), 9.5 + 0.5 * 85.5);
}

TEST(ModelSensorTest, TwoSocketsDoubleTheTdp) {
    test::TempDir proc;
    write_proc(proc, "Intel(R) Xeon(R) Gold 6128 CPU @ 3.40GHz", 24, false, 2);
    const auto curve = choose_cpu_curve(read_machine_info(proc.path()), k_data);
    EXPECT_EQ(curve.model_id, "tdp-linear:Intel Xeon Gold 6128");
    EXPECT_DOUBLE_EQ(curve.max_w, 230.0);
}

TEST(ModelSensorTest, UnknownCpuGetsTheNamedDefault) {
    test::TempDir proc;
    write_proc(proc, "Imaginary CPU 9000", 4, false);
    const auto curve = choose_cpu_curve(read_machine_info(proc.path()), k_data);
    EXPECT_EQ(curve.model_id, "default-unknown-cpu");
    EXPECT_DOUBLE_EQ(curve.watts(1.0), 85.0);
    EXPECT_DOUBLE_EQ(curve.watts(0.0), 8.5);
    EXPECT_NEAR(curve.watts(0.5), 8.5 + 76.5 * 0.125, 1e-9);
}

TEST(ModelSensorTest, VirtualMachineScalesPerVcpu) {
    test::TempDir proc;
    write_proc(proc, "Intel(R) Xeon(R) Platinum 8259CL CPU @ 2.50GHz", 2, true);
    const auto curve = choose_cpu_curve(read_machine_info(proc.path()), k_data);
    // The model string names no microarchitecture: the mean of the 11 rows of
    // coefficients-aws-use.csv (1.1352 W min, 4.3397 W max per vCPU, computed with Python's csv).
    EXPECT_EQ(curve.model_id, "ccf-vcpu-linear:average of all architectures");
    EXPECT_NEAR(curve.idle_w, 2 * 1.135199370310976, 1e-9);
    EXPECT_NEAR(curve.max_w, 2 * 4.339701513568173, 1e-9);
}

TEST(ModelSensorTest, SignalsAreLabelledAsModels) {
    test::TempDir proc;
    write_proc(proc, "Intel(R) Core(TM) i7-8700K CPU @ 3.70GHz", 12, false);
    ModelSensor sensor(proc.path(), k_data);
    const auto signals = sensor.signals();
    ASSERT_EQ(signals.size(), 2u);
    for (const auto& s : signals) {
        EXPECT_EQ(s.provenance, Provenance::model);
        EXPECT_FALSE(s.model_id.empty());
        EXPECT_GT(s.relative_uncertainty, 0.0);
    }
    const int cpu = sensor.push_signal("MODEL::CPU_POWER", 0);
    const int dram = sensor.push_signal("MODEL::DRAM_POWER", 0);
    sensor.read_batch();  // since boot: 100 busy of 200
    EXPECT_DOUBLE_EQ(sensor.sample(cpu), 9.5 + 0.5 * 85.5);
    EXPECT_NEAR(sensor.sample(dram), 16000000.0 * 1024 / 1e9 * 0.375, 1e-9);
    proc.write("stat", "cpu  300 0 0 100 0 0 0 0 0 0\n");  // +200 busy, +0 idle
    sensor.read_batch();
    EXPECT_DOUBLE_EQ(sensor.sample(cpu), 95.0);
    sensor.set_modelled(false, true);
    EXPECT_EQ(sensor.signals().size(), 1u);
}
