// `powerml meter import|fit` end to end with the built CLI.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "support/run_process.hpp"
#include "support/temp_dir.hpp"

TEST(MeterCommandTest, ImportGivesTheWallEnergyOfAWindow) {
    powerml::test::TempDir t;
    const auto log = t.write("meter.csv", "time,watts\n2024-03-01T10:00:00Z,100\n2024-03-01T10:00:01Z,300\n"
                                          "2024-03-01T10:00:02Z,300\n");
    const auto r = powerml::test::run_powerml({"meter", "import", log.string(), "--from", "2024-03-01T11:00:00.500+01:00",
                                               "--to", "2024-03-01T10:00:05Z", "--format", "json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto doc = nlohmann::json::parse(r.out);
    EXPECT_NEAR(doc["energy_j"].get<double>(), 0.5 * 100 + 300 + 300, 1e-9);
    EXPECT_NEAR(doc["gap_s"].get<double>(), 4.5 - 2.5, 1e-9);  // the log ends at 3 s
    EXPECT_EQ(doc["from"], "2024-03-01T10:00:00.500Z");
}

TEST(MeterCommandTest, FitStoresTheCorrectionForTheMachine) {
    powerml::test::TempDir t;
    std::string meter = "time,watts\n", sensors = "time,watts\n";
    for (int s = 0; s < 20; ++s) {
        const double sensor_w = 50.0 + 10.0 * (s % 5);
        meter += std::to_string(1700000000 + s) + "," + std::to_string(1.2 * sensor_w + 30.0) + "\n";
        // two sensor samples per meter second
        sensors += std::to_string(1700000000 + s) + "," + std::to_string(sensor_w - 1.0) + "\n";
        sensors += std::to_string(1700000000 + s) + ".5," + std::to_string(sensor_w + 1.0) + "\n";
    }
    const auto store = t.path() / "corr.json";
    const auto r = powerml::test::run_powerml({"meter", "fit", "--meter", t.write("m.csv", meter).string(), "--sensors",
                                               t.write("s.csv", sensors).string(), "--machine", "box1", "--store",
                                               store.string(), "--format", "json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto doc = nlohmann::json::parse(r.out);
    EXPECT_NEAR(doc["a"].get<double>(), 1.2, 1e-6);
    EXPECT_NEAR(doc["b_w"].get<double>(), 30.0, 1e-4);
    EXPECT_EQ(doc["points"], 20);
    const auto saved = nlohmann::json::parse(powerml::test::read_file(store));
    EXPECT_NEAR(saved["machines"]["box1"]["a"].get<double>(), 1.2, 1e-6);

    const auto flat = powerml::test::run_powerml({"meter", "fit", "--meter", (t.path() / "m.csv").string(), "--sensors",
                                                  t.write("flat.csv", "0,10\n").string(), "--store", store.string()});
    EXPECT_EQ(flat.exit_code, 1);
    EXPECT_NE(flat.err.find("at least 3 intervals"), std::string::npos) << flat.err;
}

TEST(MeterCommandTest, ImportRefusesAbsurdTimesWithOneLine) {
    powerml::test::TempDir t;
    const auto log = t.write("meter.csv", "time,watts\n1700000000,100\n1e300,300\n");
    const auto r = powerml::test::run_powerml({"meter", "import", log.string()});
    EXPECT_NE(r.exit_code, 0);
    EXPECT_EQ(r.out, "");
    EXPECT_NE(r.err.find("meter.csv:3: time"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("292278994"), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}
