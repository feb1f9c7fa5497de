#include "powerml/planner/intensity_integral.hpp"

#include <random>

#include <gtest/gtest.h>

#include "synthetic.hpp"

namespace powerml::planner {
namespace {

constexpr UtcMillis k_hour = 3'600'000;

TEST(IntensityIntegralTest, ProRatesPartialPoints) {
    const auto series = test::make_series("X", 0, {100, 300, 200});
    IntensityIntegral in(series);
    // Half of the first hour at 100 and a quarter of the second at 300.
    EXPECT_DOUBLE_EQ(in.integral(k_hour / 2, k_hour + k_hour / 4), 100 * 1800 + 300 * 900);
    EXPECT_DOUBLE_EQ(in.integral(0, 3 * k_hour), (100 + 300 + 200) * 3600.0);
    EXPECT_TRUE(in.covered(0, 3 * k_hour));
    EXPECT_FALSE(in.covered(-1, k_hour));
    EXPECT_FALSE(in.covered(0, 3 * k_hour + 1));
}

TEST(IntensityIntegralTest, GapsAreNotCovered) {
    auto series = test::make_series("X", 0, {100, 300});
    series.points.push_back({5 * k_hour, 3600, 50, carbon::PointKind::forecast});
    IntensityIntegral in(series);
    EXPECT_TRUE(in.covered(0, 2 * k_hour));
    EXPECT_FALSE(in.covered(k_hour, 5 * k_hour + 1));
    EXPECT_TRUE(in.covered(5 * k_hour, 6 * k_hour));
    EXPECT_DOUBLE_EQ(in.integral(5 * k_hour, 6 * k_hour), 50 * 3600.0);
    EXPECT_DOUBLE_EQ(in.uncertain_integral(0, 6 * k_hour), 50 * 3600.0);
}

TEST(IntensityIntegralTest, RejectsOverlappingPoints) {
    auto series = test::make_series("X", 0, {100, 300});
    series.points.push_back({k_hour, 3600, 50, carbon::PointKind::measured});
    EXPECT_THROW(IntensityIntegral{series}, Error);
}

TEST(IntensityIntegralTest, MatchesNaiveSumsAndCursorOnRandomWindows) {
    std::mt19937 rng(7);
    auto series = test::random_series(rng, "X", 0, 200, 1800.0);
    IntensityIntegral in(series);
    IntensityIntegral::Cursor cursor(in);
    std::uniform_int_distribution<UtcMillis> t(0, 100 * k_hour);
    std::vector<UtcMillis> times;
    for (int i = 0; i < 500; ++i) times.push_back(t(rng));
    std::sort(times.begin(), times.end());
    for (std::size_t i = 0; i + 1 < times.size(); ++i) {
        const double naive = *test::naive_integral(series, times[i], times[i + 1]);
        EXPECT_NEAR(in.integral(times[i], times[i + 1]), naive, 1e-9 * std::abs(naive) + 1e-6);
        EXPECT_NEAR(cursor.at(times[i]), in.at(times[i]), 1e-6);
    }
}

}  // namespace
}  // namespace powerml::planner
