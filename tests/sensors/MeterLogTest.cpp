#include "powerml/sensors/meter_log.hpp"

#include <gtest/gtest.h>

#include "powerml/core/error.hpp"

using namespace powerml::sensors;
using powerml::parse_rfc3339;
using powerml::UtcMillis;

TEST(MeterLogTest, ParsesHeaderedRfc3339LogAndIntegratesOverAWindow) {
    // A per-second log like seed 003's power meter: 100 W for 3 s, then 200 W for 2 s.
    const auto log = MeterLog::parse_csv(
        "timestamp,watts\n"
        "2024-03-01T10:00:00Z,100\n2024-03-01T10:00:01Z,100\n2024-03-01T10:00:02Z,100\n"
        "2024-03-01T10:00:03Z,200\n2024-03-01T10:00:04Z,200\n",
        "meter.csv");
    ASSERT_EQ(log.rows().size(), 5u);
    EXPECT_DOUBLE_EQ(log.step_s(), 1.0);
    const UtcMillis t0 = parse_rfc3339("2024-03-01T10:00:00Z");
    // run from 0.5 s to 4.5 s: 2.5 s x 100 W + 1.5 s x 200 W = 550 J
    const auto w = log.window(t0 + 500, t0 + 4500);
    EXPECT_NEAR(w.energy_j, 550.0, 1e-9);
    EXPECT_NEAR(w.covered_s, 4.0, 1e-9);
    EXPECT_NEAR(w.gap_s, 0.0, 1e-9);
    EXPECT_EQ(w.rows, 5u);
    // a run that ends after the log: the uncovered part is a gap, not 0 W
    const auto late = log.window(t0 + 4000, t0 + 7000);
    EXPECT_NEAR(late.energy_j, 200.0, 1e-9);
    EXPECT_NEAR(late.gap_s, 2.0, 1e-9);
    // meter clock 1 s ahead of the run's: run time 3.5-4.5 s is meter time 4.5-5.5 s, of
    // which the log covers only [4.5, 5) at 200 W
    EXPECT_NEAR(log.window(t0 + 3500, t0 + 4500).energy_j, 200.0, 1e-9);
    const auto shifted = log.window(t0 + 3500, t0 + 4500, 1.0);
    EXPECT_NEAR(shifted.energy_j, 100.0, 1e-9);
    EXPECT_NEAR(shifted.gap_s, 0.5, 1e-9);
}

TEST(MeterLogTest, HeaderlessUnixSecondsAndHolesInTheLog) {
    const auto log = MeterLog::parse_csv("1700000000,50\n1700000001,50\n1700000002,60\n1700000010,70\n", "plug.csv");
    const UtcMillis t0 = 1700000000000;
    const auto w = log.window(t0, t0 + 11000);
    // step = 1 s (median gap). The row at 2 s would reach the next row at 10 s but is capped at
    // two steps, [2,4); the rest of the hole is a gap. Then 70 W for [10,11).
    EXPECT_NEAR(w.energy_j, 50 + 50 + 60 * 2 + 70, 1e-9);
    EXPECT_NEAR(w.gap_s, 6.0, 1e-9);
}

TEST(MeterLogTest, BadInputNamesFileLineAndField) {
    try {
        MeterLog::parse_csv("time,watts\n2024-03-01T10:00:00Z,abc\n", "m.csv");
        FAIL();
    } catch (const powerml::Error& e) {
        EXPECT_STREQ(e.what(), "m.csv:2: watts: 'abc' is not a number of watts from 0 to 10000000");
    }
    EXPECT_THROW(MeterLog::parse_csv("when,how much\n1,2\n", "m.csv"), powerml::Error);
    EXPECT_THROW(MeterLog::parse_csv("", "m.csv"), powerml::Error);
    EXPECT_THROW(MeterLog::parse_csv("yesterday,12\n", "m.csv"), powerml::Error);
}

TEST(MeterLogTest, PairsMeterIntervalsWithMeanSensorPower) {
    const auto log = MeterLog::parse_csv("time,power\n0,150\n1,250\n2,180\n", "m.csv");
    std::vector<TimedPower> sensors{{0, 100}, {500, 120}, {1000, 200}, {1500, 220}, {3500, 999}};
    const auto pairs = log.pair_with(sensors);
    ASSERT_EQ(pairs.size(), 2u);  // the third interval [2,3) holds no sensor sample
    EXPECT_DOUBLE_EQ(pairs[0].sensor_w, 110.0);
    EXPECT_DOUBLE_EQ(pairs[0].wall_w, 150.0);
    EXPECT_DOUBLE_EQ(pairs[1].sensor_w, 210.0);
}

// Times no meter wrote: refused with the line, before any conversion (1e300 s used to hit
// signed overflow and print dates in year 292278994).
TEST(MeterLogTest, AbsurdTimesAndPowersAreRefused) {
    for (const char* line : {"1e300,5", "-1e300,5", "nan,5", "inf,5", "-5,5", "1e19,5", "1e17,5", "99999999999999999999,5",
                             "0x7fffffffffffffff,5", "-0.001,5"}) {
        SCOPED_TRACE(line);
        try {
            MeterLog::parse_csv(std::string("1700000000,50\n") + line + "\n", "m.csv");
            ADD_FAILURE() << "accepted";
        } catch (const powerml::Error& e) {
            EXPECT_NE(std::string(e.what()).find("m.csv:2: time"), std::string::npos) << e.what();
        }
    }
    for (const char* line : {"1700000001,1e300", "1700000001,-1", "1700000001,nan", "1700000001,20000000"})
        EXPECT_THROW(MeterLog::parse_csv(std::string("1700000000,50\n") + line + "\n", "m.csv"), powerml::Error) << line;
    // The edges of what is accepted: 1970 and the year 9999 (as milliseconds).
    const auto edge = MeterLog::parse_csv("0,1\n253402300799999,1\n", "m.csv");
    EXPECT_EQ(edge.rows().back().time, 253402300799999);
}
