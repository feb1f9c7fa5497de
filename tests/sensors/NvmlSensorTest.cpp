// The nvml sensor against a fake libnvidia-ml built from tests/fakes/fake_nvml.cpp.
#include "powerml/sensors/nvml_sensor.hpp"

#include <dlfcn.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <cmath>

#include "powerml/core/error.hpp"
#include "support/temp_dir.hpp"

using namespace powerml::sensors;

namespace {

class NvmlSensorTest : public ::testing::Test {
protected:
    powerml::test::TempDir dir;
    void script(const std::string& text) {
        ::setenv("FAKE_NVML_SCRIPT", dir.write("nvml.txt", text).c_str(), 1);
    }
    void TearDown() override { ::unsetenv("FAKE_NVML_SCRIPT"); }
    std::unique_ptr<NvmlSensor> open(const std::string& gpus = "all") {
        return NvmlSensor::open(POWERML_FAKE_NVML, GpuSelection::parse_flag(gpus));
    }
    const SignalInfo* find(const std::vector<SignalInfo>& s, const std::string& name, int domain) {
        for (const auto& info : s)
            if (info.name == name && info.domain_idx == domain) return &info;
        return nullptr;
    }
};

// Changes a value inside the loaded fake (same handle as the sensor's: dlopen shares it).
void fake_set(unsigned gpu, const char* key, long long value) {
    void* handle = ::dlopen(POWERML_FAKE_NVML, RTLD_NOW | RTLD_NOLOAD);
    ASSERT_NE(handle, nullptr);
    auto set = reinterpret_cast<void (*)(unsigned, const char*, long long)>(::dlsym(handle, "fake_nvml_set"));
    ASSERT_NE(set, nullptr);
    set(gpu, key, value);
    ::dlclose(handle);
}

}  // namespace

TEST_F(NvmlSensorTest, ReportsCounterStepsAndSeedIndicatorsInSiUnits) {
    script(
        "gpu uuid=GPU-aaaa name=FakeH100 energy_mj=5000 energy_step_mj=250 power_mw=210500 instant_mw=222000 "
        "util_gpu=87 util_mem=31 mem_used=2147483648 temp=66 sm_mhz=1980 mem_mhz=2619 gfx_mhz=1755 pstate=0 "
        "pcie_gen=5 limit_mw=700000\n");
    auto sensor = open();
    ASSERT_EQ(sensor->gpus().size(), 1u);
    const auto signals = sensor->signals();
    const SignalInfo* energy = find(signals, "NVML::GPU_ENERGY", 0);
    ASSERT_NE(energy, nullptr);
    EXPECT_EQ(energy->kind, SignalKind::counter);
    EXPECT_EQ(powerml::record::to_string(energy->unit), "J");
    EXPECT_EQ(powerml::record::to_string(energy->component), "gpu");
    EXPECT_NEAR(energy->wrap_at, 1.8446744073709552e16, 1e3);
    const SignalInfo* power = find(signals, "NVML::GPU_POWER", 0);
    ASSERT_NE(power, nullptr);
    EXPECT_EQ(power->contained_in, "NVML::GPU_ENERGY");  // a cross-check, not summed
    EXPECT_NE(power->description.find("instantaneous"), std::string::npos);
    // the power limit is a setting: no component, so it is never taken as consumption
    ASSERT_NE(find(signals, "NVML::GPU_POWER_LIMIT", 0), nullptr);
    EXPECT_EQ(find(signals, "NVML::GPU_POWER_LIMIT", 0)->component, powerml::record::Component::none);

    const int e = sensor->push_signal("NVML::GPU_ENERGY", 0);
    const int p = sensor->push_signal("NVML::GPU_POWER", 0);
    const int u = sensor->push_signal("NVML::GPU_UTIL", 0);
    const int mu = sensor->push_signal("NVML::GPU_MEMORY_UTIL", 0);
    const int mem = sensor->push_signal("NVML::GPU_MEMORY_USED", 0);
    const int t = sensor->push_signal("NVML::GPU_TEMPERATURE", 0);
    const int sm = sensor->push_signal("NVML::GPU_SM_CLOCK", 0);
    const int mc = sensor->push_signal("NVML::GPU_MEMORY_CLOCK", 0);
    const int gc = sensor->push_signal("NVML::GPU_GRAPHICS_CLOCK", 0);
    const int ps = sensor->push_signal("NVML::GPU_PSTATE", 0);
    const int pg = sensor->push_signal("NVML::GPU_PCIE_GEN", 0);
    const int pl = sensor->push_signal("NVML::GPU_POWER_LIMIT", 0);
    sensor->read_batch();
    const double first = sensor->sample(e);
    sensor->read_batch();
    // the fake adds 250 mJ per read: the raw counter moves by 0.25 J, never integrated here
    EXPECT_NEAR(sensor->sample(e) - first, 0.25, 1e-9);
    EXPECT_NEAR(sensor->sample(p), 222.0, 1e-9);
    EXPECT_NEAR(sensor->sample(u), 0.87, 1e-12);
    EXPECT_NEAR(sensor->sample(mu), 0.31, 1e-12);
    EXPECT_EQ(sensor->sample(mem), 2147483648.0);
    EXPECT_EQ(sensor->sample(t), 66.0);
    EXPECT_EQ(sensor->sample(sm), 1.98e9);
    EXPECT_EQ(sensor->sample(mc), 2.619e9);
    EXPECT_EQ(sensor->sample(gc), 1.755e9);
    EXPECT_EQ(sensor->sample(ps), 0.0);
    EXPECT_EQ(sensor->sample(pg), 5.0);
    EXPECT_NEAR(sensor->sample(pl), 700.0, 1e-9);
}

TEST_F(NvmlSensorTest, UnsupportedCounterFallsBackToAveragedPowerAndSaysSo) {
    script("gpu energy_mj=-1 power_mw=71250 instant_mw=-1\n");
    auto sensor = open();
    const auto signals = sensor->signals();
    EXPECT_EQ(find(signals, "NVML::GPU_ENERGY", 0), nullptr);
    const SignalInfo* power = find(signals, "NVML::GPU_POWER", 0);
    ASSERT_NE(power, nullptr);
    EXPECT_TRUE(power->contained_in.empty());  // now the GPU's only energy source
    EXPECT_NE(power->description.find("averaged"), std::string::npos);
    EXPECT_NE(sensor->gpus()[0].energy_counter_note.find("Not Supported"), std::string::npos);
    EXPECT_NE(sensor->describe().find("integrated from power"), std::string::npos);
    EXPECT_THROW(sensor->push_signal("NVML::GPU_ENERGY", 0), powerml::Error);
    const int p = sensor->push_signal("NVML::GPU_POWER", 0);
    sensor->read_batch();
    EXPECT_NEAR(sensor->sample(p), 71.25, 1e-9);
}

TEST_F(NvmlSensorTest, GpuThatStopsAnsweringReadsNaNUntilItAnswersAgain) {
    script("gpu energy_mj=1000 energy_step_mj=100\ngpu energy_mj=9000 energy_step_mj=100\n");
    auto sensor = open();
    const int e0 = sensor->push_signal("NVML::GPU_ENERGY", 0);
    const int e1 = sensor->push_signal("NVML::GPU_ENERGY", 1);
    const int p1 = sensor->push_signal("NVML::GPU_POWER", 1);
    sensor->read_batch();
    EXPECT_FALSE(std::isnan(sensor->sample(e1)));
    fake_set(1, "lost", 1);
    EXPECT_NO_THROW(sensor->read_batch());
    EXPECT_FALSE(std::isnan(sensor->sample(e0)));  // the other GPU still answers
    EXPECT_TRUE(std::isnan(sensor->sample(e1)));
    EXPECT_TRUE(std::isnan(sensor->sample(p1)));
    fake_set(1, "lost", 0);
    sensor->read_batch();
    EXPECT_FALSE(std::isnan(sensor->sample(e1)));
}

TEST_F(NvmlSensorTest, ChargesOnlyTheGpusTheJobWasGiven) {
    script("gpu uuid=GPU-1111-aaaa\ngpu uuid=GPU-2222-bbbb\ngpu uuid=GPU-3333-cccc\n");
    auto by_index = NvmlSensor::open(POWERML_FAKE_NVML, GpuSelection::parse_cuda_visible("2,0"));
    ASSERT_EQ(by_index->gpus().size(), 2u);
    EXPECT_EQ(by_index->gpus()[0].index, 2u);
    EXPECT_EQ(by_index->gpus()[1].index, 0u);
    for (const auto& s : by_index->signals()) EXPECT_NE(s.domain_idx, 1) << s.name;

    auto by_uuid = NvmlSensor::open(POWERML_FAKE_NVML, GpuSelection::parse_cuda_visible("GPU-2222"));
    ASSERT_EQ(by_uuid->gpus().size(), 1u);
    EXPECT_EQ(by_uuid->gpus()[0].index, 1u);

    EXPECT_THROW(NvmlSensor::open(POWERML_FAKE_NVML, GpuSelection::parse_cuda_visible("")), powerml::Error);
    EXPECT_THROW(NvmlSensor::open(POWERML_FAKE_NVML, GpuSelection::parse_flag("7")), powerml::Error);
}

TEST_F(NvmlSensorTest, MigSliceIsChargedAsTheWholeGpuAndFlagged) {
    script("gpu uuid=GPU-1111\ngpu uuid=GPU-2222 mig=1 mig_uuid=MIG-abcd-0001\n");
    auto sensor = NvmlSensor::open(POWERML_FAKE_NVML, GpuSelection::parse_cuda_visible("MIG-abcd-0001"));
    ASSERT_EQ(sensor->gpus().size(), 1u);
    EXPECT_EQ(sensor->gpus()[0].index, 1u);
    EXPECT_TRUE(sensor->gpus()[0].mig_enabled);
    bool flagged = false;
    for (const auto& s : sensor->signals())
        if (s.name == "NVML::GPU_ENERGY") flagged = s.description.find("MIG enabled") != std::string::npos;
    EXPECT_TRUE(flagged);
}

TEST_F(NvmlSensorTest, ProbeWithoutLibraryIsUnusableWithReasonAndRemedy) {
    NvmlOptions options;
    options.library_path = (dir.path() / "no-such-libnvidia-ml.so.1").string();
    const Probe probe = probe_nvml(ProbeContext{}, options);
    EXPECT_EQ(probe.source, "nvml");
    EXPECT_EQ(probe.sensor, nullptr);  // never a sensor that reads 0 J
    EXPECT_NE(probe.reason.find("cannot load"), std::string::npos);
    EXPECT_NE(probe.remedy.find("POWERML_NVML_LIBRARY"), std::string::npos);
}

TEST_F(NvmlSensorTest, WithoutADriverTheDefaultLibraryIsNotSearchedFor) {
    // A machine without NVIDIA's driver pays no dlopen search at each start; one with the
    // driver's traces (Linux, a container given GPUs, WSL 2) has NVML looked for as before.
    ProbeContext context;
    context.procfs_root = dir.path() / "proc";
    std::filesystem::create_directories(context.procfs_root);
    std::filesystem::create_directories(dir.path() / "dev");
    ::setenv("POWERML_DEVFS_ROOT", (dir.path() / "dev").c_str(), 1);
    const NvmlOptions default_library;
    const auto calls = NvmlLibrary::dlopen_calls();
    const Probe none = probe_nvml(context, default_library);
    EXPECT_EQ(none.sensor, nullptr);
    EXPECT_NE(none.reason.find("no NVIDIA driver is loaded"), std::string::npos) << none.reason;
    EXPECT_NE(none.remedy.find("POWERML_NVML_LIBRARY"), std::string::npos);
    EXPECT_EQ(NvmlLibrary::dlopen_calls(), calls);
    for (const auto& trace : {context.procfs_root / "driver" / "nvidia", dir.path() / "dev" / "nvidiactl", dir.path() / "dev" / "dxg"}) {
        std::filesystem::create_directories(trace);
        const Probe looked = probe_nvml(context, default_library);
        EXPECT_EQ(looked.reason.find("no NVIDIA driver is loaded"), std::string::npos) << trace << ": " << looked.reason;
        std::filesystem::remove(trace);
    }
    // A library named by the user is tried whatever the driver's traces say.
    NvmlOptions named;
    named.library_path = (dir.path() / "no-such-libnvidia-ml.so.1").string();
    EXPECT_NE(probe_nvml(context, named).reason.find("cannot load"), std::string::npos);
    ::unsetenv("POWERML_DEVFS_ROOT");
}

TEST_F(NvmlSensorTest, AFailedLoadIsRememberedUntilTheLibraryAppears) {
    // Each Tracker probes NVML: without the driver, the second probe does not search again.
    const auto path = (dir.path() / "libnvidia-ml.so.1").string();
    const auto calls = NvmlLibrary::dlopen_calls();
    std::string first, second;
    EXPECT_EQ(NvmlLibrary::load(path, first), nullptr);
    EXPECT_EQ(NvmlLibrary::load(path, second), nullptr);
    EXPECT_NE(first.find("cannot load " + path), std::string::npos) << first;
    EXPECT_EQ(second, first);
    EXPECT_EQ(NvmlLibrary::dlopen_calls(), calls + 1);
    script("gpu uuid=GPU-1111\n");
    std::filesystem::copy_file(POWERML_FAKE_NVML, path);
    std::string error;
    EXPECT_NE(NvmlLibrary::load(path, error), nullptr) << error;
    EXPECT_EQ(NvmlLibrary::dlopen_calls(), calls + 2);
}

TEST_F(NvmlSensorTest, ProbeReportsFailedInit) {
    script("init_rc 9\n");
    NvmlOptions options;
    options.library_path = POWERML_FAKE_NVML;
    const Probe probe = probe_nvml(ProbeContext{}, options);
    EXPECT_EQ(probe.sensor, nullptr);
    EXPECT_NE(probe.reason.find("Driver Not Loaded"), std::string::npos);
    EXPECT_NE(probe.remedy.find("nvidia-smi"), std::string::npos);
}

TEST_F(NvmlSensorTest, OptionsFromEnvironment) {
    ::setenv("POWERML_NVML_LIBRARY", "/opt/x/libnvidia-ml.so.1", 1);
    ::setenv("POWERML_GPUS", "1", 1);
    ::setenv("CUDA_VISIBLE_DEVICES", "0", 1);
    const auto options = NvmlOptions::from_env();
    ::unsetenv("POWERML_NVML_LIBRARY");
    ::unsetenv("POWERML_GPUS");
    ::unsetenv("CUDA_VISIBLE_DEVICES");
    EXPECT_EQ(options.library_path, "/opt/x/libnvidia-ml.so.1");
    EXPECT_EQ(options.gpus, "1");
    EXPECT_EQ(options.cuda_visible_devices, "0");
}

TEST_F(NvmlSensorTest, EnergyEveryReadUtilisationAtItsOwnRate) {
    script("gpu energy_mj=1000 energy_step_mj=100 util_gpu=10\n");
    auto sensor = open();
    const int e = sensor->push_signal("NVML::GPU_ENERGY", 0);
    const int u = sensor->push_signal("NVML::GPU_UTIL", 0);
    const auto before = std::chrono::steady_clock::now();
    sensor->read_batch();
    const double first_j = sensor->sample(e);
    EXPECT_DOUBLE_EQ(sensor->sample(u), 0.10);
    fake_set(0, "util_gpu", 90);
    sensor->read_batch();
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - before).count();
    EXPECT_GT(sensor->sample(e), first_j);  // the counter at every read
    // Utilisation holds its last value until its period has passed (unless this machine took
    // that long between the two reads).
    if (elapsed < NvmlSensor::k_slow_period_s) EXPECT_DOUBLE_EQ(sensor->sample(u), 0.10);
    sensor->read_batch_full();  // a window's edge reads everything
    EXPECT_DOUBLE_EQ(sensor->sample(u), 0.90);
}
