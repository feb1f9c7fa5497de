// What the power-model catalog costs: loading every shipped file, and matching a machine.
// Baselines in the same run: reading the same bytes (I/O floor) and parsing them as TOML
// without PowerML's checks, so the figures show where the time goes.
#include <benchmark/benchmark.h>

#include <fstream>
#include <sstream>

#include <toml++/toml.h>

#include "powerml/power_models/catalog.hpp"
#include "powerml/power_models/matcher.hpp"

using namespace powerml::power_models;

namespace {

const std::filesystem::path k_dir = std::filesystem::path(POWERML_BENCH_DATA_DIR) / "power-models";

std::vector<std::filesystem::path> files() {
    std::vector<std::filesystem::path> out;
    for (const auto& e : std::filesystem::directory_iterator(k_dir))
        if (e.path().extension() == ".toml") out.push_back(e.path());
    return out;
}

std::string slurp(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

void BM_BaselineReadBytes(benchmark::State& state) {
    const auto list = files();
    std::size_t bytes = 0;
    for (auto _ : state) {
        bytes = 0;
        for (const auto& f : list) bytes += slurp(f).size();
        benchmark::DoNotOptimize(bytes);
    }
    state.counters["bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_BaselineReadBytes)->Unit(benchmark::kMillisecond);

void BM_BaselineTomlParseOnly(benchmark::State& state) {
    const auto list = files();
    for (auto _ : state) {
        for (const auto& f : list) benchmark::DoNotOptimize(toml::parse_file(f.string()));
    }
}
BENCHMARK(BM_BaselineTomlParseOnly)->Unit(benchmark::kMillisecond);

void BM_LoadCatalog(benchmark::State& state) {
    std::size_t n = 0;
    for (auto _ : state) {
        Catalog c;
        c.load_dir(k_dir, Origin::shipped);
        n = c.size();
        benchmark::DoNotOptimize(n);
    }
    state.counters["models"] = static_cast<double>(n);
}
BENCHMARK(BM_LoadCatalog)->Unit(benchmark::kMillisecond);

// What the model sensor loads at the start of every `powerml measure`: cpu and dram models only;
// files whose catalog header lists neither kind are skipped unparsed.
void BM_LoadCatalogCpuDram(benchmark::State& state) {
    std::size_t n = 0;
    for (auto _ : state) {
        Catalog c;
        c.set_wanted_kinds({ComponentKind::cpu, ComponentKind::dram});
        c.load_dir(k_dir, Origin::shipped);
        n = c.size();
        benchmark::DoNotOptimize(n);
    }
    state.counters["models"] = static_cast<double>(n);
}
BENCHMARK(BM_LoadCatalogCpuDram)->Unit(benchmark::kMillisecond);

Machine seed_machine();

// The same with the machine filter: one-line models whose rules cannot hold are skipped as text.
void BM_LoadCatalogCpuDramForMachine(benchmark::State& state);

Machine seed_machine() {
    Machine m;  // seed 001 HC-1
    m.cpu_model = "Intel(R) Core(TM) i7-8700K CPU @ 3.70GHz";
    m.logical_cpus = 12;
    m.gpus = {"NVIDIA GeForce RTX 3080"};
    m.memory_bytes = 64e9;
    return m;
}

void BM_LoadCatalogCpuDramForMachine(benchmark::State& state) {
    std::size_t n = 0;
    const Machine m = seed_machine();
    for (auto _ : state) {
        Catalog c;
        c.set_wanted_kinds({ComponentKind::cpu, ComponentKind::dram});
        c.set_machine_filter(m, {});
        c.load_dir(k_dir, Origin::shipped);
        n = c.size();
        benchmark::DoNotOptimize(n);
    }
    state.counters["models"] = static_cast<double>(n);
}
BENCHMARK(BM_LoadCatalogCpuDramForMachine)->Unit(benchmark::kMillisecond);

void BM_MatchCpu(benchmark::State& state) {
    Catalog c;
    c.load_dir(k_dir, Origin::shipped);
    const Matcher matcher(c);
    const Machine m = seed_machine();
    for (auto _ : state) benchmark::DoNotOptimize(matcher.best(m, ComponentKind::cpu));
}
BENCHMARK(BM_MatchCpu)->Unit(benchmark::kMillisecond);

void BM_MatchEveryKind(benchmark::State& state) {
    Catalog c;
    c.load_dir(k_dir, Origin::shipped);
    const Matcher matcher(c);
    const Machine m = seed_machine();
    for (auto _ : state)
        for (auto kind : {ComponentKind::cpu, ComponentKind::gpu, ComponentKind::dram, ComponentKind::accelerator, ComponentKind::node,
                          ComponentKind::nic})
            benchmark::DoNotOptimize(matcher.best(m, kind));
}
BENCHMARK(BM_MatchEveryKind)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
