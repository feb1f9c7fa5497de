// `powerml sensors` end to end: the built CLI against fake trees and the fake NVML library.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/run_process.hpp"
#include "support/temp_dir.hpp"

namespace {

std::map<std::string, std::string> fake_machine(const powerml::test::TempDir& t) {
    t.write("data/README", "test data dir\n");
    t.write("proc/cpuinfo", "vendor_id\t: SomeVendor\n");
    const std::string hw = "sys/bus/i2c/drivers/ina3221/1-0040/hwmon/hwmon4/";
    t.write(hw + "in1_label", "VDD_IN\n");
    t.write(hw + "in1_input", "5000\n");
    t.write(hw + "curr1_input", "1000\n");
    t.write("nvml.txt", "gpu uuid=GPU-1 name=FakeA energy_mj=100\ngpu uuid=GPU-2 name=FakeB energy_mj=-1\n");
    return {{"POWERML_SYSFS_ROOT", (t.path() / "sys").string()},
            {"POWERML_PROCFS_ROOT", (t.path() / "proc").string()},
            {"POWERML_DEVFS_ROOT", (t.path() / "dev").string()},
            {"POWERML_DATA_DIR", (t.path() / "data").string()},
            {"POWERML_NVML_LIBRARY", POWERML_FAKE_NVML},
            {"FAKE_NVML_SCRIPT", (t.path() / "nvml.txt").string()},
            {"CUDA_VISIBLE_DEVICES", "1"},
            {"POWERML_METER_URL", ""}};
}

const nlohmann::json* source(const nlohmann::json& doc, const std::string& name) {
    for (const auto& s : doc["sources"])
        if (s["source"] == name) return &s;
    return nullptr;
}

}  // namespace

TEST(SensorsCommandTest, JsonListsEverySourceWithSignalsOrReasonAndRemedy) {
    powerml::test::TempDir t;
    const auto r = powerml::test::run_powerml({"sensors", "--format", "json"}, fake_machine(t));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto doc = nlohmann::json::parse(r.out);
    EXPECT_EQ(doc["schema"], "powerml.sensors/1");
    for (const char* name : {"nvml", "rapl_perf", "rapl_msr", "hwmon", "jetson", "meter"})
        ASSERT_NE(source(doc, name), nullptr) << name;

    const auto& nvml = *source(doc, "nvml");
    EXPECT_TRUE(nvml["usable"].get<bool>());
    // CUDA_VISIBLE_DEVICES=1: only the second GPU, which has no energy counter
    for (const auto& s : nvml["signals"]) {
        EXPECT_EQ(s["domain"], "gpu-1");
        EXPECT_NE(s["name"], "NVML::GPU_ENERGY");
    }
    EXPECT_NE(nvml["detail"].get<std::string>().find("integrated from power"), std::string::npos);

    const auto& jetson = *source(doc, "jetson");
    EXPECT_TRUE(jetson["usable"].get<bool>());
    EXPECT_EQ(jetson["signals"][0]["name"], "JETSON::RAIL_POWER");
    EXPECT_EQ(jetson["signals"][0]["unit"], "W");
    EXPECT_EQ(jetson["signals"][0]["component"], "node");

    const auto& msr = *source(doc, "rapl_msr");
    EXPECT_FALSE(msr["usable"].get<bool>());
    EXPECT_NE(msr["reason"].get<std::string>().find("SomeVendor"), std::string::npos);
    EXPECT_FALSE(msr["remedy"].get<std::string>().empty());
    EXPECT_EQ(source(doc, "meter")->at("reason"), "no smart plug configured");
}

TEST(SensorsCommandTest, MissingNvidiaLibraryIsAReasonNeverZeroJoules) {
    powerml::test::TempDir t;
    auto env = fake_machine(t);
    env["POWERML_NVML_LIBRARY"] = (t.path() / "libnvidia-ml.so.1").string();
    const auto r = powerml::test::run_powerml({"sensors"}, env);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("nvml       not usable cannot load"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("remedy:  install the NVIDIA driver"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("JETSON::RAIL_POWER"), std::string::npos);
}

TEST(SensorsCommandTest, BadFormatIsAUsageError) {
    powerml::test::TempDir t;
    const auto r = powerml::test::run_powerml({"sensors", "--format", "xml"}, fake_machine(t));
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("--format"), std::string::npos);
}
