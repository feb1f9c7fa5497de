#include "powerml/sensors/rapl_perf_sensor.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <cmath>
#include <map>

#include "powerml/core/error.hpp"
#include "support/temp_dir.hpp"

using namespace powerml::sensors;

namespace {

// perf_event_open stand-in: counters with scripted raw values, or a scripted errno.
class FakePerfEvents final : public PerfEventApi {
public:
    int fail_with = 0;
    std::map<std::pair<std::uint64_t, int>, std::uint64_t> counts;  // (config, cpu) -> raw
    std::map<int, std::pair<std::uint64_t, int>> open_fds;
    std::uint32_t seen_type = 0;
    int open(std::uint32_t type, std::uint64_t config, int cpu) override {
        if (fail_with) return -fail_with;
        seen_type = type;
        const int fd = next++;
        open_fds[fd] = {config, cpu};
        return fd;
    }
    bool read(int fd, std::uint64_t& value) override {
        auto it = open_fds.find(fd);
        if (it == open_fds.end()) return false;
        value = counts[it->second];
        return true;
    }
    void close(int fd) override { open_fds.erase(fd); }
    int next = 3;
};

void write_pmu(const powerml::test::TempDir& t) {
    const std::string root = "sys/bus/event_source/devices/power/";
    t.write(root + "type", "23\n");
    t.write(root + "cpumask", "0,28\n");
    t.write(root + "events/energy-pkg", "event=0x02\n");
    t.write(root + "events/energy-pkg.scale", "2.3283064365386962890625e-10\n");
    t.write(root + "events/energy-pkg.unit", "Joules\n");
    t.write(root + "events/energy-ram", "event=0x03\n");
    t.write(root + "events/energy-ram.scale", "2.3283064365386962890625e-10\n");
    t.write(root + "events/energy-ram.unit", "Joules\n");
    t.write(root + "events/energy-cores", "event=0x01\n");
    t.write(root + "events/energy-cores.scale", "2.3283064365386962890625e-10\n");
}

ProbeContext context(const powerml::test::TempDir& t) { return ProbeContext{t.path() / "sys", t.path() / "proc", {}}; }

}  // namespace

TEST(RaplPerfSensorTest, DiscoversTypeCpusEventsAndScales) {
    powerml::test::TempDir t;
    write_pmu(t);
    const auto pmu = discover_perf_power_pmu(t.path() / "sys");
    EXPECT_EQ(pmu.type, 23u);
    EXPECT_EQ(pmu.cpus, (std::vector<int>{0, 28}));
    ASSERT_EQ(pmu.events.size(), 3u);
    EXPECT_EQ(pmu.events[0].event, "energy-pkg");
    EXPECT_EQ(pmu.events[0].config, 0x02u);
    EXPECT_DOUBLE_EQ(pmu.events[0].scale_j, std::ldexp(1.0, -32));
    EXPECT_EQ(parse_cpu_list("0-2,8"), (std::vector<int>{0, 1, 2, 8}));
}

TEST(RaplPerfSensorTest, BadScaleOrEventIsNamed) {
    powerml::test::TempDir t;
    write_pmu(t);
    t.write("sys/bus/event_source/devices/power/events/energy-ram.scale", "x\n");
    try {
        discover_perf_power_pmu(t.path() / "sys");
        FAIL() << "expected an error";
    } catch (const powerml::Error& e) {
        EXPECT_NE(std::string(e.what()).find("energy-ram.scale"), std::string::npos);
    }
}

TEST(RaplPerfSensorTest, ReadsScaledCountersPerPackage) {
    powerml::test::TempDir t;
    write_pmu(t);
    auto api = std::make_shared<FakePerfEvents>();
    const Probe probe = probe_rapl_perf(context(t), api);
    ASSERT_NE(probe.sensor, nullptr) << probe.reason;
    EXPECT_EQ(api->seen_type, 23u);
    const auto signals = probe.sensor->signals();
    ASSERT_EQ(signals.size(), 6u);  // 3 events x 2 packages
    for (const auto& s : signals) {
        EXPECT_EQ(s.kind, SignalKind::counter);
        if (s.name == "RAPL_PERF::CORES_ENERGY") {
            EXPECT_EQ(s.contained_in, "RAPL_PERF::PKG_ENERGY");
        }
        if (s.name == "RAPL_PERF::DRAM_ENERGY") {
            EXPECT_EQ(powerml::record::to_string(s.component), "dram");
        }
    }
    const int pkg1 = probe.sensor->push_signal("RAPL_PERF::PKG_ENERGY", 1);
    api->counts[{0x02, 28}] = 10ULL << 32;  // 10 J at 2^-32 J per count
    probe.sensor->read_batch();
    EXPECT_DOUBLE_EQ(probe.sensor->sample(pkg1), 10.0);
}

TEST(RaplPerfSensorTest, PermissionDeniedNamesParanoidSettingAndRemedy) {
    powerml::test::TempDir t;
    write_pmu(t);
    t.write("proc/sys/kernel/perf_event_paranoid", "2\n");
    auto api = std::make_shared<FakePerfEvents>();
    api->fail_with = EACCES;
    const Probe probe = probe_rapl_perf(context(t), api);
    EXPECT_EQ(probe.sensor, nullptr);
    EXPECT_NE(probe.reason.find("perf_event_paranoid is 2"), std::string::npos);
    EXPECT_NE(probe.remedy.find("CAP_PERFMON"), std::string::npos);
}

TEST(RaplPerfSensorTest, NoPmuMeansKernelOrCpuWithoutIt) {
    powerml::test::TempDir t;
    const Probe probe = probe_rapl_perf(context(t), std::make_shared<FakePerfEvents>());
    EXPECT_EQ(probe.sensor, nullptr);
    EXPECT_NE(probe.reason.find("no RAPL perf_event PMU"), std::string::npos);
}
