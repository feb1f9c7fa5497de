// Pairing utilisation with measured power from a recorded timeline.
#include <gtest/gtest.h>

#include "powerml/core/error.hpp"
#include "powerml/power_models/run_samples.hpp"

using namespace powerml;
using namespace powerml::power_models;
using record::EnergyKind;

namespace {

record::Channel channel(const std::string& source, const std::string& name, int domain_idx, const std::string& unit,
                         const std::string& component, EnergyKind kind, const std::string& contained_in = "") {
    record::Channel c;
    c.source = source;
    c.info.name = name;
    c.info.domain_idx = domain_idx;
    c.info.domain = component.empty() ? "cpu" : component + std::to_string(domain_idx);
    c.info.unit = record::unit_from_string(unit).value();
    c.info.component = record::component_from_string(component).value();
    c.info.contained_in = contained_in;
    c.info.kind = kind == EnergyKind::counter ? record::SignalKind::counter : record::SignalKind::gauge;
    c.energy_kind = kind;
    c.summed = kind != EnergyKind::none && contained_in.empty();
    return c;
}

// Channels: CPU util, RAPL package, RAPL core (inside package), two GPUs each with util,
// an energy counter and a power gauge inside it, and a modelled DRAM gauge.
record::Timeline timeline() {
    record::Timeline t;
    t.channels = {channel("procfs", "PROCFS::CPU_UTIL", 0, "ratio", "", EnergyKind::none),
                  channel("rapl", "RAPL::PKG_ENERGY", 0, "J", "cpu", EnergyKind::counter),
                  channel("rapl", "RAPL::CORE_ENERGY", 0, "J", "cpu", EnergyKind::counter, "package-0"),
                  channel("nvml", "NVML::GPU_UTIL", 0, "ratio", "", EnergyKind::none),
                  channel("nvml", "NVML::GPU_UTIL", 1, "ratio", "", EnergyKind::none),
                  channel("nvml", "NVML::GPU_ENERGY", 0, "J", "gpu", EnergyKind::counter),
                  channel("nvml", "NVML::GPU_ENERGY", 1, "J", "gpu", EnergyKind::counter),
                  channel("nvml", "NVML::GPU_POWER", 0, "W", "gpu", EnergyKind::integrated_power, "NVML::GPU_ENERGY"),
                  channel("model", "MODEL::DRAM_POWER", 0, "W", "dram", EnergyKind::model)};
    t.channels.back().info.provenance = record::Provenance::model;
    for (int r = 0; r < 5; ++r) {
        record::SampleRow row;
        row.t_s = 0.5 * r;
        const double u = 0.2 * r;
        // values: utilisations, raw counters (any finite number), power
        row.values = {u, 1.0 * r, 1.0, u / 2, 1 - u / 2, 2.0, 2.0, 50, 3};
        // energy in the 0.5 s interval: package 10 + 50 u W, core 40 W, GPU0 20 + 100 u/2 W, GPU1 30 W
        row.energy_j = {0, 0.5 * (10 + 50 * u), 20, 0, 0, 0.5 * (20 + 100 * u / 2), 0.5 * 30, 0.5 * 55, 1.5};
        t.rows.push_back(row);
    }
    return t;
}

}  // namespace

TEST(RunSamplesTest, CpuUsesThePackageNotTheCoreInsideIt) {
    const auto s = samples_from_run(timeline(), ComponentKind::cpu);
    EXPECT_EQ(s.input, "PROCFS::CPU_UTIL@cpu");
    ASSERT_EQ(s.power.size(), 1u);
    ASSERT_EQ(s.samples.size(), 4u);  // row 0's utilisation is since boot
    for (const auto& x : s.samples) {
        EXPECT_DOUBLE_EQ(x.watts, 10 + 50 * x.u);
        EXPECT_DOUBLE_EQ(x.weight, 0.5);
    }
}

TEST(RunSamplesTest, EachGpuIsPairedWithItsOwnEnergy) {
    const auto s = samples_from_run(timeline(), ComponentKind::gpu);
    ASSERT_EQ(s.samples.size(), 8u);  // two GPUs x four intervals
    for (std::size_t i = 0; i < 4; ++i) EXPECT_DOUBLE_EQ(s.samples[i].watts, 20 + 100 * s.samples[i].u);
    for (std::size_t i = 4; i < 8; ++i) EXPECT_DOUBLE_EQ(s.samples[i].watts, 30);
}

TEST(RunSamplesTest, ModelledChannelsAreNeverFittedAgainst) {
    EXPECT_THROW(samples_from_run(timeline(), ComponentKind::dram), Error);
    // node without psys: every summed hardware channel (package and both GPU counters).
    const auto node = samples_from_run(timeline(), ComponentKind::node);
    EXPECT_EQ(node.power.size(), 3u);
    record::Timeline no_util = timeline();
    no_util.channels[0].info.name = "PROCFS::MEM_USED";
    EXPECT_THROW(samples_from_run(no_util, ComponentKind::cpu), Error);
}
