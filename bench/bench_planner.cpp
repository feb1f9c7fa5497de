// The planner's search over a year of hourly data at 20 sites, against a plain pass that
// sums the same 175,200 values (the baseline the ratios in docs/performance.md are taken
// against, measured in the same run). Series are synthetic (a daily cycle plus noise, fixed
// seed): the search costs the same whatever the values are.
#include <cmath>
#include <map>
#include <random>

#include <benchmark/benchmark.h>

#include "powerml/planner/interruptible_scheduler.hpp"
#include "powerml/planner/planner.hpp"
#include "powerml/planner/window_search.hpp"

namespace {

using namespace powerml;
using namespace powerml::planner;

constexpr int k_sites = 20;
constexpr int k_hours = 8760;

const std::map<std::string, carbon::IntensitySeries>& zones() {
    static const auto data = [] {
        std::map<std::string, carbon::IntensitySeries> out;
        std::mt19937 rng(2023);
        std::normal_distribution<double> noise(0.0, 30.0);
        const UtcMillis start = parse_rfc3339("2023-01-01T00:00:00Z");
        for (int z = 0; z < k_sites; ++z) {
            carbon::IntensitySeries s;
            s.zone = "Z" + std::to_string(z);
            const double level = 50.0 + 30.0 * z;
            for (int h = 0; h < k_hours; ++h) {
                const double v = level * (1.0 + 0.3 * std::sin(2 * M_PI * h / 24.0)) + noise(rng);
                s.points.push_back({start + static_cast<UtcMillis>(h) * 3'600'000, 3600.0, std::max(1.0, v),
                                    carbon::PointKind::measured});
            }
            out[s.zone] = std::move(s);
        }
        return out;
    }();
    return data;
}

JobSpec year_job(bool interruptible, const std::string& deadline) {
    JobSpec j;
    j.name = "bench";
    j.duration_s = 5 * 3600.0;
    j.power_w = 300.0;
    j.earliest_start = parse_rfc3339("2023-01-01T00:00:00Z");
    j.deadline = parse_rfc3339(deadline);
    j.data_gb = 144.0;
    j.interruptible = interruptible;
    j.checkpoint = {120.0, 5 * 3600.0};
    j.min_segment_s = 1800.0;
    for (int z = 0; z < k_sites; ++z) {
        Site s;
        s.name = "site" + std::to_string(z);
        s.zone = "Z" + std::to_string(z);
        s.current = z == 0;
        s.network_kwh_per_gb = 0.001;
        j.sites.push_back(s);
    }
    return j;
}

// Series handed over already fetched: the benchmark times the planner, not a provider.
SeriesSource source() {
    return [](const std::string& zone, UtcMillis, UtcMillis) { return zones().at(zone); };
}

void BM_BaselineSumAllSeries(benchmark::State& state) {
    for (auto _ : state) {
        double total = 0;
        for (const auto& [zone, s] : zones())
            for (const auto& p : s.points) total += p.g_per_kwh;
        benchmark::DoNotOptimize(total);
    }
    state.SetItemsProcessed(state.iterations() * k_sites * k_hours);
}
BENCHMARK(BM_BaselineSumAllSeries)->Unit(benchmark::kMicrosecond);

// What the planner is handed before it does anything: the 20 zone-years copied out of the
// source by value, as SeriesSource returns them (fresh memory each time, as from a provider).
void BM_HandOverYear20Series(benchmark::State& state) {
    const SeriesSource src = source();
    for (auto _ : state)
        for (int z = 0; z < k_sites; ++z) {
            const carbon::IntensitySeries s = src("Z" + std::to_string(z), 0, 0);
            benchmark::DoNotOptimize(s.points.data());
        }
    state.SetItemsProcessed(state.iterations() * k_sites * k_hours);
}
BENCHMARK(BM_HandOverYear20Series)->Unit(benchmark::kMillisecond);

// Everything the planner does for a non-interruptible job: copy the series in, build the
// prefix sums, score every candidate start at 20 sites, pick best and alternatives, evaluate.
void BM_PlanYear20SitesContiguous(benchmark::State& state) {
    const Planner planner(source());
    const JobSpec job = year_job(false, "2023-12-31T23:00:00Z");
    for (auto _ : state) benchmark::DoNotOptimize(planner.plan(job, {}));
    state.SetItemsProcessed(state.iterations() * k_sites * k_hours);
}
BENCHMARK(BM_PlanYear20SitesContiguous)->Unit(benchmark::kMillisecond);

// The 20 site models of the year job, over prefix sums already built.
std::vector<SiteModel> year_models(const std::vector<IntensityIntegral>& integrals) {
    static const JobSpec job = year_job(false, "2023-12-31T23:00:00Z");
    std::vector<SiteModel> models(k_sites);
    for (int z = 0; z < k_sites; ++z) {
        SiteModel& m = models[z];
        m.site = &job.sites[z];
        m.here = &integrals[z];
        m.origin = z == 0 ? nullptr : &integrals[0];
        m.power_w = 300;
        m.run_ms = 5 * 3'600'000;
        m.transfer_ms = z == 0 ? 0 : 1'152'000;
        m.transfer_energy_j = z == 0 ? 0 : 0.144 * 3.6e6;
        m.window_start = *job.earliest_start + m.transfer_ms;
        m.window_end = job.deadline;
        m.reference_end = *job.earliest_start + m.run_ms;
    }
    return models;
}

// The search alone, with the prefix sums already built (what a server would keep warm).
void BM_SearchOnlyYear20Sites(benchmark::State& state) {
    std::vector<IntensityIntegral> integrals;
    for (const auto& [zone, s] : zones()) integrals.emplace_back(s);
    const std::vector<SiteModel> models = year_models(integrals);
    std::vector<WindowCandidate> scratch;  // one buffer for every site and iteration, as Planner::plan does
    for (auto _ : state)
        for (const SiteModel& m : models) {
            search_windows(m, scratch);
            benchmark::DoNotOptimize(scratch.data());
        }
    state.SetItemsProcessed(state.iterations() * k_sites * k_hours);
}
BENCHMARK(BM_SearchOnlyYear20Sites)->Unit(benchmark::kMillisecond);

// The same search, each site's candidates returned in a fresh vector (how it was called before
// the buffer was reused): the difference is the allocator and the page faults.
void BM_SearchOnlyYear20SitesFreshVectors(benchmark::State& state) {
    std::vector<IntensityIntegral> integrals;
    for (const auto& [zone, s] : zones()) integrals.emplace_back(s);
    const std::vector<SiteModel> models = year_models(integrals);
    for (auto _ : state)
        for (const SiteModel& m : models) benchmark::DoNotOptimize(search_windows(m));
    state.SetItemsProcessed(state.iterations() * k_sites * k_hours);
}
BENCHMARK(BM_SearchOnlyYear20SitesFreshVectors)->Unit(benchmark::kMillisecond);

// Interruptible: the DP over a week's window and over the whole year, 20 sites.
void BM_PlanInterruptible20Sites(benchmark::State& state, const char* deadline) {
    const Planner planner(source());
    const JobSpec job = year_job(true, deadline);
    for (auto _ : state) benchmark::DoNotOptimize(planner.plan(job, {}));
}
BENCHMARK_CAPTURE(BM_PlanInterruptible20Sites, week, "2023-01-08T00:00:00Z")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_PlanInterruptible20Sites, year, "2023-12-31T23:00:00Z")->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
