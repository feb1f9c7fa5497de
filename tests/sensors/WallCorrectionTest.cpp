#include "powerml/sensors/wall_correction.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "powerml/core/error.hpp"
#include "support/temp_dir.hpp"

using namespace powerml::sensors;

TEST(WallCorrectionTest, RecoversSlopeAndInterceptFromNoisyIntervals) {
    // wall = 1.25 x sensors + 40 W with +-2 W alternating noise (mean zero on each level)
    std::vector<PowerPair> pairs;
    for (int i = 0; i < 100; ++i) {
        const double sensors = 80.0 + (i % 10) * 15.0;
        pairs.push_back({i * 1000, sensors, 1.25 * sensors + 40.0 + ((i / 10) % 2 ? 2.0 : -2.0)});
    }
    const auto c = WallCorrection::fit(pairs);
    EXPECT_NEAR(c.a, 1.25, 1e-9);
    EXPECT_NEAR(c.b, 40.0, 1e-6);
    EXPECT_NEAR(c.rmse_w, 2.0, 1e-9);
    EXPECT_GT(c.r2, 0.99);
    EXPECT_EQ(c.points, 100u);
    EXPECT_NEAR(c.wall_power_w(172.0), 255.0, 1e-6);
    // energy: a x E + b x T
    EXPECT_NEAR(c.wall_energy_j(1000.0, 10.0), 1250.0 + 400.0, 1e-6);
    EXPECT_EQ(c.label().rfind("wall-corrected: wall = 1.250 x sensors + 40.0 W", 0), 0u) << c.label();
}

TEST(WallCorrectionTest, RefusesTooFewOrFlatIntervals) {
    EXPECT_THROW(WallCorrection::fit({{0, 100, 150}, {1, 110, 160}}), powerml::Error);
    EXPECT_THROW(WallCorrection::fit({{0, 100, 150}, {1, 100, 160}, {2, 100, 155}}), powerml::Error);
}

TEST(WallCorrectionTest, StoreKeepsOneEntryPerMachine) {
    powerml::test::TempDir dir;
    WallCorrectionStore store(dir.path() / "sub" / "wall-corrections.json");
    EXPECT_FALSE(store.load("m1").has_value());
    WallCorrection c;
    c.a = 1.1;
    c.b = 35.5;
    c.r2 = 0.95;
    c.points = 42;
    c.fitted_at = powerml::parse_rfc3339("2024-03-01T10:00:00Z");
    c.source = "meter.csv";
    store.save("m1", c);
    c.a = 2.0;
    store.save("m2", c);
    const auto back = store.load("m1");
    ASSERT_TRUE(back.has_value());
    EXPECT_DOUBLE_EQ(back->a, 1.1);
    EXPECT_DOUBLE_EQ(back->b, 35.5);
    EXPECT_EQ(back->points, 42u);
    EXPECT_EQ(back->fitted_at, c.fitted_at);
    EXPECT_EQ(back->source, "meter.csv");
    EXPECT_DOUBLE_EQ(store.load("m2")->a, 2.0);
    EXPECT_FALSE(WallCorrectionStore::this_machine().empty());
    dir.write("bad.json", "{not json");
    EXPECT_THROW(WallCorrectionStore(dir.path() / "bad.json").load("m1"), powerml::Error);
}
