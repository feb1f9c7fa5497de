// Cost of one read_batch() of the hardware sensors against fake trees and the fake NVML, i.e.
// PowerML's own overhead per sample (file reads, parsing, dlsym'd calls), without hardware.
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "powerml/sensors/hwmon_sensor.hpp"
#include "powerml/sensors/jetson_rail_sensor.hpp"
#include "powerml/sensors/meter_log.hpp"
#include "powerml/sensors/nvml_sensor.hpp"

using namespace powerml::sensors;

namespace {

std::filesystem::path fake_root() {
    static const std::filesystem::path root = [] {
        auto dir = std::filesystem::temp_directory_path() / ("powerml-bench-" + std::to_string(::getpid()));
        auto put = [&](const std::string& rel, const std::string& text) {
            std::filesystem::create_directories((dir / rel).parent_path());
            std::ofstream(dir / rel) << text;
        };
        const std::string hw = "bus/i2c/drivers/ina3221/1-0040/hwmon/hwmon4/";
        for (int c = 1; c <= 3; ++c) {
            put(hw + "in" + std::to_string(c) + "_label", "RAIL_" + std::to_string(c) + "\n");
            put(hw + "in" + std::to_string(c) + "_input", "5000\n");
            put(hw + "curr" + std::to_string(c) + "_input", "1000\n");
        }
        put("class/hwmon/hwmon0/name", "amdgpu\n");
        put("class/hwmon/hwmon0/power1_input", "35000000\n");
        put("class/hwmon/hwmon1/name", "amd_energy\n");
        put("class/hwmon/hwmon1/energy1_input", "123456789\n");
        put("nvml.txt", "gpu energy_mj=1 energy_step_mj=1 instant_mw=200000\n");
        return dir;
    }();
    return root;
}

void push_all(Sensor& s) {
    for (const auto& info : s.signals()) s.push_signal(info.name, info.domain_idx);
}

void BM_JetsonReadBatch(benchmark::State& state) {
    auto sensor = probe_jetson(ProbeContext{fake_root(), {}, {}}).sensor;
    push_all(*sensor);  // 3 rails x (power, voltage, current)
    for (auto _ : state) sensor->read_batch();
}
BENCHMARK(BM_JetsonReadBatch);

void BM_HwmonReadBatch(benchmark::State& state) {
    auto sensor = probe_hwmon(ProbeContext{fake_root(), {}, {}}).sensor;
    push_all(*sensor);  // 1 power + 1 energy file
    for (auto _ : state) sensor->read_batch();
}
BENCHMARK(BM_HwmonReadBatch);

void BM_NvmlFakeReadBatch(benchmark::State& state) {
    ::setenv("FAKE_NVML_SCRIPT", (fake_root() / "nvml.txt").c_str(), 1);
    auto sensor = NvmlSensor::open(POWERML_FAKE_NVML, GpuSelection::all());
    push_all(*sensor);  // all 12 signals of one GPU
    for (auto _ : state) sensor->read_batch();
}
BENCHMARK(BM_NvmlFakeReadBatch);

void BM_MeterLogWindowOneDay(benchmark::State& state) {
    std::string csv = "time,watts\n";
    for (int s = 0; s < 86400; ++s) csv += std::to_string(1700000000 + s) + "," + std::to_string(150 + s % 50) + "\n";
    const auto log = MeterLog::parse_csv(csv, "bench");
    for (auto _ : state) benchmark::DoNotOptimize(log.window(1700000000000, 1700000000000 + 3600000).energy_j);
}
BENCHMARK(BM_MeterLogWindowOneDay);

void BM_MeterLogParseOneDay(benchmark::State& state) {
    std::string csv = "time,watts\n";
    for (int s = 0; s < 86400; ++s) csv += std::to_string(1700000000 + s) + "," + std::to_string(150 + s % 50) + "\n";
    for (auto _ : state) benchmark::DoNotOptimize(MeterLog::parse_csv(csv, "bench").rows().size());
}
BENCHMARK(BM_MeterLogParseOneDay)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
