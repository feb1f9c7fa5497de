#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "powerml/core/error.hpp"
#include "powerml/sensors/builtin.hpp"
#include "powerml/sensors/rapl_powercap_sensor.hpp"
#include "support/temp_dir.hpp"

using namespace powerml;
using namespace powerml::sensors;

namespace {

void add_zone(const test::TempDir& sys, const std::string& id, const std::string& name, const std::string& energy_uj,
              const std::string& range_uj = "262143328850") {
    const std::string dir = "class/powercap/" + id + "/";
    sys.write(dir + "name", name + "\n");
    sys.write(dir + "energy_uj", energy_uj + "\n");
    sys.write(dir + "max_energy_range_uj", range_uj + "\n");
}

const SignalInfo* find(const std::vector<SignalInfo>& list, const std::string& domain) {
    for (const auto& s : list)
        if (s.domain == domain) return &s;
    return nullptr;
}

}  // namespace

TEST(RaplPowercapSensorTest, DiscoversNestedZonesAndMarksContainment) {
    test::TempDir sys;
    add_zone(sys, "intel-rapl:0", "package-0", "1000");
    add_zone(sys, "intel-rapl:0:0", "core", "500");
    add_zone(sys, "intel-rapl:0:1", "uncore", "100");
    add_zone(sys, "intel-rapl:0:2", "dram", "300");
    add_zone(sys, "intel-rapl:1", "psys", "5000");
    RaplPowercapSensor sensor(sys.path());
    const auto signals = sensor.signals();
    ASSERT_EQ(signals.size(), 5u);
    ASSERT_NE(find(signals, "core-0"), nullptr);
    EXPECT_EQ(find(signals, "core-0")->contained_in, "package-0");
    EXPECT_EQ(find(signals, "uncore-0")->contained_in, "package-0");
    // psys is the platform: package and DRAM are inside it, so only psys is summed.
    EXPECT_EQ(find(signals, "package-0")->contained_in, "psys");
    EXPECT_EQ(find(signals, "dram-0")->contained_in, "psys");
    EXPECT_EQ(find(signals, "psys")->contained_in, "");
    EXPECT_EQ(find(signals, "package-0")->name, "RAPL::PKG_ENERGY");
    EXPECT_EQ(powerml::record::to_string(find(signals, "dram-0")->component), "dram");
    EXPECT_NEAR(find(signals, "package-0")->wrap_at, 262143.328851, 1e-6);
}

TEST(RaplPowercapSensorTest, WithoutPsysPackageAndDramAreBothSummed) {
    test::TempDir sys;
    add_zone(sys, "intel-rapl:0", "package-0", "1000");
    add_zone(sys, "intel-rapl:0:0", "core", "500");
    add_zone(sys, "intel-rapl:0:1", "dram", "300");
    RaplPowercapSensor sensor(sys.path());
    const auto signals = sensor.signals();
    EXPECT_EQ(find(signals, "package-0")->contained_in, "");
    EXPECT_EQ(find(signals, "dram-0")->contained_in, "");
    EXPECT_EQ(find(signals, "core-0")->contained_in, "package-0");
}

TEST(RaplPowercapSensorTest, DropsMmioDuplicateOfThePackage) {
    test::TempDir sys;
    add_zone(sys, "intel-rapl:0", "package-0", "1000");
    add_zone(sys, "intel-rapl-mmio:0", "package-0", "1000");
    add_zone(sys, "intel-rapl:1", "package-1", "2000");
    RaplPowercapSensor sensor(sys.path());
    EXPECT_EQ(sensor.signals().size(), 2u);
    for (const auto& zone : sensor.zones()) EXPECT_FALSE(zone.zone_id.starts_with("intel-rapl-mmio"));
}

TEST(RaplPowercapSensorTest, KeepsMmioZoneWhenItIsTheOnlyOne) {
    test::TempDir sys;
    add_zone(sys, "intel-rapl-mmio:0", "package-0", "1000");
    RaplPowercapSensor sensor(sys.path());
    ASSERT_EQ(sensor.signals().size(), 1u);
}

TEST(RaplPowercapSensorTest, ReadsJoulesAndVanishedZoneReadsNaN) {
    test::TempDir sys;
    add_zone(sys, "intel-rapl:0", "package-0", "2500000");
    add_zone(sys, "intel-rapl:1", "package-1", "1000000");
    RaplPowercapSensor sensor(sys.path());
    const int h0 = sensor.push_signal("RAPL::PKG_ENERGY", 0);
    const int h1 = sensor.push_signal("RAPL::PKG_ENERGY", 1);
    sensor.read_batch();
    EXPECT_DOUBLE_EQ(sensor.sample(h0), 2.5);
    EXPECT_DOUBLE_EQ(sensor.sample(h1), 1.0);
    std::filesystem::remove_all(sys.path() / "class/powercap/intel-rapl:1");
    sys.write("class/powercap/intel-rapl:0/energy_uj", "3500000\n");
    sensor.read_batch();
    EXPECT_DOUBLE_EQ(sensor.sample(h0), 3.5);
    EXPECT_TRUE(std::isnan(sensor.sample(h1)));
    EXPECT_THROW(sensor.push_signal("RAPL::DRAM_ENERGY", 0), Error);
}

TEST(RaplPowercapSensorTest, UnreadableCounterIsReportedWithRemedy) {
    test::TempDir sys;
    add_zone(sys, "intel-rapl:0", "package-0", "1");
    // A directory in place of energy_uj cannot be read even by root (tests run as root here,
    // where chmod 000 would not stop a read).
    std::filesystem::remove(sys.path() / "class/powercap/intel-rapl:0/energy_uj");
    std::filesystem::create_directories(sys.path() / "class/powercap/intel-rapl:0/energy_uj");
    RaplPowercapSensor sensor(sys.path());
    EXPECT_FALSE(sensor.any_readable());
    EXPECT_TRUE(sensor.signals().empty());
    EXPECT_NE(sensor.access_problem().find("energy_uj"), std::string::npos);

    ProbeContext context{sys.path(), "/proc", POWERML_TEST_SOURCE_DIR "/../data"};
    auto probes = probe_all(context);
    const auto rapl = std::find_if(probes.begin(), probes.end(), [](const Probe& p) { return p.source == "rapl"; });
    ASSERT_NE(rapl, probes.end());
    EXPECT_EQ(rapl->sensor, nullptr);
    EXPECT_NE(rapl->remedy.find("CVE-2020-8694"), std::string::npos);
    EXPECT_NE(rapl->remedy.find("perf_event_paranoid"), std::string::npos);
}

TEST(RaplPowercapSensorTest, NoPowercapTreeIsNotUsableWithReason) {
    test::TempDir sys;
    ProbeContext context{sys.path(), "/proc", POWERML_TEST_SOURCE_DIR "/../data"};
    auto probes = probe_all(context);
    std::vector<std::string> notes;
    auto chosen = select_for_measurement(probes, notes);
    // procfs and the model: CPU and DRAM are modelled, and the notes say why.
    bool has_model = false;
    for (const auto& s : chosen) has_model |= s->name() == "model";
    EXPECT_TRUE(has_model);
    bool told = false;
    for (const auto& n : notes) told |= n.find("not available on this machine: rapl") != std::string::npos;
    EXPECT_TRUE(told);
}
