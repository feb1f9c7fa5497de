#include <gtest/gtest.h>

#include "powerml/core/error.hpp"
#include "powerml/power_models/catalog_cache.hpp"
#include "powerml/sensors/machine_detect.hpp"
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

ModelSetup fake_setup(const test::TempDir& sys) {
    ModelSetup setup;
    setup.sysfs_root = sys.path();
    return setup;
}
}  // namespace

TEST(ModelSensorTest, SeedCpuGetsItsHandWrittenModel) {
    test::TempDir proc, sys;
    write_proc(proc, "Intel(R) Core(TM) i7-8700K CPU @ 3.70GHz", 12, false);
    ModelSensor sensor(proc.path(), k_data, nullptr, fake_setup(sys));
    EXPECT_EQ(sensor.cpu().model.id, "seed/intel-core-i7-8700k");
    EXPECT_DOUBLE_EQ(sensor.cpu().watts(0.5), 9.5 + 0.5 * 85.5);
    EXPECT_NE(sensor.cpu_explanation().find("Intel ARK"), std::string::npos) << sensor.cpu_explanation();
}

TEST(ModelSensorTest, TwoSocketsDoubleTheTdp) {
    test::TempDir proc, sys;
    write_proc(proc, "Intel(R) Xeon(R) Gold 6128 CPU @ 3.40GHz", 24, false, 2);
    ModelSensor sensor(proc.path(), k_data, nullptr, fake_setup(sys));
    EXPECT_EQ(sensor.cpu().model.id, "tdp/intel-xeon-gold-6128");
    EXPECT_DOUBLE_EQ(sensor.cpu().units, 2);
    EXPECT_DOUBLE_EQ(sensor.cpu().watts(1.0), 230.0);  // 2 x 115 W TDP (cpu-tdp.csv)
}

TEST(ModelSensorTest, UnknownCpuGetsTheNamedDefault) {
    test::TempDir proc, sys;
    write_proc(proc, "Imaginary CPU 9000", 4, false);
    ModelSensor sensor(proc.path(), k_data, nullptr, fake_setup(sys));
    EXPECT_EQ(sensor.cpu().model.id, "default/unknown-cpu");
    EXPECT_DOUBLE_EQ(sensor.cpu().watts(1.0), 85.0);
    EXPECT_DOUBLE_EQ(sensor.cpu().watts(0.0), 8.5);
    EXPECT_NEAR(sensor.cpu().watts(0.5), 8.5 + 76.5 * 0.125, 1e-9);
}

TEST(ModelSensorTest, VirtualMachineScalesPerVcpu) {
    test::TempDir proc, sys;
    write_proc(proc, "Intel(R) Xeon(R) Platinum 8259CL CPU @ 2.50GHz", 2, true);
    ModelSensor sensor(proc.path(), k_data, nullptr, fake_setup(sys));
    // The mean of the 11 rows of coefficients-aws-use.csv (1.1352 W min, 4.3397 W max per vCPU,
    // computed with Python's csv), times 2 vCPUs.
    EXPECT_EQ(sensor.cpu().model.id, "ccf/aws/average");
    EXPECT_NEAR(sensor.cpu().watts(0), 2 * 1.135199370310976, 1e-9);
    EXPECT_NEAR(sensor.cpu().watts(1), 2 * 4.339701513568173, 1e-9);
}

TEST(ModelSensorTest, InstanceTypeFromDmiPicksTheMeasuredInstanceCurve) {
    test::TempDir proc, sys;
    write_proc(proc, "Intel(R) Xeon(R) Platinum 8259CL CPU @ 2.50GHz", 2, true);
    sys.write("class/dmi/id/sys_vendor", "Amazon EC2\n");
    sys.write("class/dmi/id/product_name", "m5.large\n");
    ModelSensor sensor(proc.path(), k_data, nullptr, fake_setup(sys));
    EXPECT_EQ(sensor.cpu().model.id, "aws/m5.large/cpu");
    EXPECT_EQ(sensor.dram().model.id, "aws/m5.large/dram");
    EXPECT_EQ(sensor.cpu().model.form, power_models::Form::piecewise);
}

TEST(ModelSensorTest, PinnedModelWins) {
    test::TempDir proc, sys;
    write_proc(proc, "Intel(R) Core(TM) i7-8700K CPU @ 3.70GHz", 12, false);
    auto setup = fake_setup(sys);
    setup.pins["cpu"] = "tdp/intel-core-i7-8700";
    ModelSensor sensor(proc.path(), k_data, nullptr, setup);
    EXPECT_EQ(sensor.cpu().model.id, "tdp/intel-core-i7-8700");
    setup.pins["cpu"] = "no/such-model";
    EXPECT_THROW(ModelSensor(proc.path(), k_data, nullptr, setup), Error);
}

TEST(ModelSensorTest, DramFromDmidecodeVoltageAndSpeed) {
    test::TempDir proc, sys;
    write_proc(proc, "Intel(R) Core(TM) i7-8700K CPU @ 3.70GHz", 12, false);
    const std::string dimm = "Handle 0x0040, DMI type 17, 92 bytes\nMemory Device\n\tSize: 16 GB\n\tSpeed: 3600 MT/s\n"
                             "\tConfigured Memory Speed: 3200 MT/s\n\tConfigured Voltage: 1.35 V\n\n";
    const std::string empty = "Handle 0x0041, DMI type 17, 92 bytes\nMemory Device\n\tSize: No Module Installed\n\n";
    auto setup = fake_setup(sys);
    setup.dmidecode_text = dimm + empty + dimm;
    EXPECT_EQ(parse_dmidecode_memory(setup.dmidecode_text).size(), 2u);
    ModelSensor sensor(proc.path(), k_data, nullptr, setup);
    EXPECT_EQ(sensor.dram().model.id, "default/dram-cv2f");
    const int dram = sensor.push_signal("MODEL::DRAM_POWER", 0);
    sensor.read_batch();
    // 2 x 1/2 x 1.7361e-9 F x (1.35 V)^2 x 3.2e9 /s
    EXPECT_NEAR(sensor.sample(dram), 2 * 0.5 * 1.7361e-9 * 1.35 * 1.35 * 3.2e9, 1e-9);
}

TEST(ModelSensorTest, SignalsAreLabelledAsModels) {
    test::TempDir proc, sys;
    write_proc(proc, "Intel(R) Core(TM) i7-8700K CPU @ 3.70GHz", 12, false);
    ModelSensor sensor(proc.path(), k_data, nullptr, fake_setup(sys));
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
    // No dmidecode: MemTotal 15.3 GiB as 2 DIMMs of 8 GiB at 1.2 V, 2400 MT/s, 3 W each.
    EXPECT_NEAR(sensor.sample(dram), 2 * 0.5 * 1.7361e-9 * 1.2 * 1.2 * 2.4e9, 1e-9);
    proc.write("stat", "cpu  300 0 0 100 0 0 0 0 0 0\n");  // +200 busy, +0 idle
    sensor.read_batch();
    EXPECT_DOUBLE_EQ(sensor.sample(cpu), 95.0);
    sensor.set_modelled(false, true);
    EXPECT_EQ(sensor.signals().size(), 1u);
}

TEST(ModelSensorTest, SensorsOfOneProcessShareOneCatalogLoad) {
    // Each Python Tracker builds a ModelSensor: the second with the same setup reads no catalog file.
    test::TempDir proc, sys, user;  // `user`: a folder no other test uses, so the first load is this test's
    write_proc(proc, "Intel(R) Core(TM) i7-8700K CPU @ 3.70GHz", 12, false);
    auto setup = fake_setup(sys);
    setup.user_models_dir = user.path();
    auto& cache = power_models::CatalogCache::process();
    const auto before = cache.loads();
    ModelSensor first(proc.path(), k_data, nullptr, setup);
    ModelSensor second(proc.path(), k_data, nullptr, setup);
    EXPECT_EQ(cache.loads(), before + 1);
    EXPECT_EQ(second.cpu().model.id, first.cpu().model.id);
    EXPECT_EQ(second.cpu_explanation(), first.cpu_explanation());
    EXPECT_EQ(second.dram().model.id, first.dram().model.id);
    // Another machine is another filter, hence another load, with its own answer.
    write_proc(proc, "Imaginary CPU 9000", 4, false);
    ModelSensor other(proc.path(), k_data, nullptr, setup);
    EXPECT_EQ(cache.loads(), before + 2);
    EXPECT_EQ(other.cpu().model.id, "default/unknown-cpu");
}
