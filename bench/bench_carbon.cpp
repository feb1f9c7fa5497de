// Speed of the embedded grid data: parsing one zone-year of hourly data, and a whole year as
// an IntensitySeries. Baseline in the same process: reading the same file's bytes.
#include <benchmark/benchmark.h>

#include <fstream>
#include <sstream>

#include "powerml/carbon/embedded_data.hpp"
#include "powerml/carbon/embedded_provider.hpp"
#include "powerml/core/paths.hpp"

using namespace powerml;
using namespace powerml::carbon;

namespace {
std::string read_all(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}
const std::filesystem::path k_file = paths::data_dir() / "grid" / "hourly" / "GB_2024.csv";
}  // namespace

static void BM_ReadFileBytes(benchmark::State& state) {  // baseline: what any reader must pay
    for (auto _ : state) benchmark::DoNotOptimize(read_all(k_file));
}
BENCHMARK(BM_ReadFileBytes)->Unit(benchmark::kMillisecond);

static void BM_LoadZoneYear(benchmark::State& state) {  // read + parse, cold (no cache)
    for (auto _ : state) {
        auto y = EmbeddedData::parse_hourly(read_all(k_file), "GB", 2024, k_file.string());
        benchmark::DoNotOptimize(y);
    }
}
BENCHMARK(BM_LoadZoneYear)->Unit(benchmark::kMillisecond);

static void BM_FetchYearSeriesFreshData(benchmark::State& state) {  // index + parse + 8784 points
    for (auto _ : state) {
        EmbeddedData data(paths::data_dir() / "grid");
        EmbeddedProvider p(FactorBasis::lifecycle, data);
        auto s = p.fetch("GB", parse_rfc3339("2024-01-01"), parse_rfc3339("2025-01-01"));
        benchmark::DoNotOptimize(s);
    }
}
BENCHMARK(BM_FetchYearSeriesFreshData)->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
