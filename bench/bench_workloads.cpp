// Cost of the built-in workloads' pieces: loading the real data sets, counting a model's
// characteristics, and one training epoch / inference pass of small models (figures in
// docs/performance.md, section "workloads").
#include <benchmark/benchmark.h>

#include "powerml/workloads/image_dataset.hpp"
#include "powerml/workloads/model_zoo.hpp"
#include "powerml/workloads/workload_runner.hpp"

using namespace powerml::workloads;

static void BM_LoadFashionMnistTrain(benchmark::State& state) {
    DatasetRequest request;
    request.name = "fashion-mnist";
    for (auto _ : state) benchmark::DoNotOptimize(load_dataset(request).size());
}
BENCHMARK(BM_LoadFashionMnistTrain)->Unit(benchmark::kMillisecond);

static void BM_LoadDigits(benchmark::State& state) {
    DatasetRequest request;
    request.name = "digits";
    for (auto _ : state) benchmark::DoNotOptimize(load_dataset(request).size());
}
BENCHMARK(BM_LoadDigits)->Unit(benchmark::kMillisecond);

static void BM_Characteristics(benchmark::State& state, const char* model) {
    if (!torch_available()) {
        state.SkipWithError("built without Torch");
        return;
    }
    for (auto _ : state) benchmark::DoNotOptimize(builtin_characteristics(model, {3, 32, 32}, 10).macs);
}
BENCHMARK_CAPTURE(BM_Characteristics, lenet, "lenet")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Characteristics, resnet18, "resnet18")->Unit(benchmark::kMillisecond);

// One epoch of 1,024 synthetic 32x32x3 images at batch 64 on every core, in samples per second.
static void BM_TrainEpoch(benchmark::State& state, const char* model) {
    if (!torch_available()) {
        state.SkipWithError("built without Torch");
        return;
    }
    WorkloadSpec spec;
    spec.model = model;
    spec.batch_size = 64;
    spec.samples = 1024;
    for (auto _ : state) benchmark::DoNotOptimize(run_workload(spec, {}).epochs.size());
    state.SetItemsProcessed(state.iterations() * spec.samples);
}
BENCHMARK_CAPTURE(BM_TrainEpoch, lenet, "lenet")->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_TrainEpoch, mobilenetv2, "mobilenetv2")->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);

static void BM_InferPass(benchmark::State& state, const char* model) {
    if (!torch_available()) {
        state.SkipWithError("built without Torch");
        return;
    }
    WorkloadSpec spec;
    spec.mode = WorkloadMode::infer;
    spec.model = model;
    spec.batch_size = 64;
    spec.samples = 1024;
    for (auto _ : state) benchmark::DoNotOptimize(run_workload(spec, {}).infer_samples);
    state.SetItemsProcessed(state.iterations() * spec.samples);
}
BENCHMARK_CAPTURE(BM_InferPass, lenet, "lenet")->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_InferPass, mobilenetv2, "mobilenetv2")->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);

BENCHMARK_MAIN();
