// What the statistics and the report cost: describe() over 30 repetitions (seed 003's count),
// Shapiro-Wilk at its largest n, and the HTML report of a one-hour run sampled at 10 Hz.
#include <benchmark/benchmark.h>

#include <cmath>
#include <random>

#include "powerml/analysis/run_summary.hpp"
#include "powerml/analysis/statistics.hpp"
#include "powerml/report/html_report.hpp"

using namespace powerml;

namespace {

std::vector<double> normal_sample(std::size_t n) {
    std::mt19937_64 rng(1);
    std::normal_distribution<double> d(100, 5);
    std::vector<double> v(n);
    for (auto& x : v) x = d(rng);
    return v;
}

void BM_Describe30(benchmark::State& state) {
    const auto v = normal_sample(30);
    for (auto _ : state) benchmark::DoNotOptimize(analysis::describe(v));
}
BENCHMARK(BM_Describe30);

void BM_ShapiroWilk(benchmark::State& state) {
    const auto v = normal_sample(static_cast<std::size_t>(state.range(0)));
    for (auto _ : state) benchmark::DoNotOptimize(analysis::shapiro_wilk(v));
}
BENCHMARK(BM_ShapiroWilk)->Arg(30)->Arg(5000);

// One hour at 10 Hz, two energy channels, 60 one-minute epochs.
report::RunInput hour_run() {
    report::RunInput run;
    run.id = "bench";
    auto& t = run.timeline;
    t.interval_s = 0.1;
    t.job_end_s = 3600;
    for (const char* domain : {"package-0", "dram"}) {
        record::Channel c;
        c.info.domain = domain;
        c.energy_kind = record::EnergyKind::counter;
        c.summed = true;
        t.channels.push_back(c);
    }
    for (int i = 0; i <= 36000; ++i)
        t.rows.push_back({i * 0.1, 0, {0, 0}, {i ? 3.0 + std::sin(i * 0.01) : 0.0, i ? 0.5 : 0.0}});
    for (int e = 1; e <= 60; ++e) {
        t.phases.push_back({(e - 1) * 60.0, 0, "epoch-" + std::to_string(e), true});
        t.phases.push_back({e * 60.0, 0, "epoch-" + std::to_string(e), false});
        t.metrics.push_back({e * 60.0 - 1, "accuracy", 0.5 + e / 200.0});
    }
    run.summary = analysis::summarize(t);
    return run;
}

void BM_ReportOneHourRun(benchmark::State& state) {
    report::ReportInput input;
    input.runs.push_back(hour_run());
    std::size_t bytes = 0;
    for (auto _ : state) bytes = report::render_html(input).size();
    state.counters["html_bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_ReportOneHourRun)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
