// Cost of one sample: each sensor's read_batch() against this machine's real /proc and /sys,
// and a whole Sampler::sample_once() with the sensors a measurement would use here.
#include <benchmark/benchmark.h>

#include <unistd.h>

#include "powerml/core/paths.hpp"
#include "powerml/sampler/sampler.hpp"
#include "powerml/sensors/builtin.hpp"
#include "powerml/sensors/model_sensor.hpp"
#include "powerml/sensors/procfs_sensor.hpp"

using namespace powerml;

namespace {

template <typename SensorT, typename... Args>
void read_all(benchmark::State& state, Args&&... args) {
    SensorT sensor(std::forward<Args>(args)...);
    for (const auto& s : sensor.signals()) sensor.push_signal(s.name, s.domain_idx);
    sensor.attach_process(static_cast<int>(::getpid()));
    for (auto _ : state) {
        sensor.read_batch();
        benchmark::DoNotOptimize(sensor.sample(0));
    }
}

void BM_ProcfsReadBatch(benchmark::State& state) { read_all<sensors::ProcfsSensor>(state, "/proc", "/sys"); }
void BM_ModelReadBatch(benchmark::State& state) { read_all<sensors::ModelSensor>(state, "/proc", POWERML_BENCH_DATA_DIR); }

void BM_SamplerSampleOnce(benchmark::State& state) {
    auto probes = sensors::probe_all(sensors::default_probe_context());
    std::vector<std::string> notes;
    sampler::Sampler sampler(sensors::select_for_measurement(probes, notes), {});
    for (auto _ : state) sampler.sample_once();
}

// Baseline in the same run: one read of /proc/stat alone, the least any sample can cost.
void BM_ReadProcStatOnly(benchmark::State& state) {
    std::string text;
    for (auto _ : state) {
        paths::read_small_file("/proc/stat", text);
        benchmark::DoNotOptimize(text.data());
    }
}

}  // namespace

BENCHMARK(BM_ReadProcStatOnly);
BENCHMARK(BM_ProcfsReadBatch);
BENCHMARK(BM_ModelReadBatch);
BENCHMARK(BM_SamplerSampleOnce)->Iterations(20000);
BENCHMARK_MAIN();
