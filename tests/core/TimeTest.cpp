#include <gtest/gtest.h>

#include "powerml/core/error.hpp"
#include "powerml/core/time.hpp"

using namespace powerml;

TEST(TimeTest, ParsesUtcAndOffsets) {
    EXPECT_EQ(parse_rfc3339("1970-01-01T00:00:00Z"), 0);
    EXPECT_EQ(parse_rfc3339("2023-06-15T12:00:00Z"), 1686830400000);
    EXPECT_EQ(parse_rfc3339("2023-06-15T14:00:00+02:00"), 1686830400000);
    EXPECT_EQ(parse_rfc3339("2023-06-15T07:30:00-04:30"), 1686830400000);
    EXPECT_EQ(parse_rfc3339("2023-06-15 12:00:00"), 1686830400000);
    EXPECT_EQ(parse_rfc3339("2023-06-15T12:00:00.250Z"), 1686830400250);
    EXPECT_EQ(parse_rfc3339("2023-06-15"), 1686787200000);
}

TEST(TimeTest, RejectsGarbageWithTheText) {
    for (const char* bad : {"", "2023-13-01T00:00:00Z", "2023-06-15T25:00:00Z", "yesterday", "2023-06-15T12:00:00Zjunk"}) {
        try {
            parse_rfc3339(bad);
            FAIL() << "accepted " << bad;
        } catch (const Error& e) {
            EXPECT_NE(std::string(e.what()).find("cannot read time"), std::string::npos);
        }
    }
}

TEST(TimeTest, FormatsRoundTrip) {
    EXPECT_EQ(format_rfc3339(1686830400000), "2023-06-15T12:00:00Z");
    EXPECT_EQ(format_rfc3339(1686830400250), "2023-06-15T12:00:00.250Z");
    EXPECT_EQ(format_rfc3339(parse_rfc3339("2024-02-29T23:59:59Z")), "2024-02-29T23:59:59Z");
    EXPECT_EQ(format_rfc3339(-1000), "1969-12-31T23:59:59Z");
}

TEST(TimeTest, WeekdayAndFields) {
    const auto f = utc_fields(parse_rfc3339("2023-06-15T13:45:10Z"));  // a Thursday
    EXPECT_EQ(f.year, 2023);
    EXPECT_EQ(f.month, 6u);
    EXPECT_EQ(f.day, 15u);
    EXPECT_EQ(f.hour, 13u);
    EXPECT_EQ(f.minute, 45u);
    EXPECT_EQ(f.second, 10u);
    EXPECT_EQ(f.weekday, 4u);
    EXPECT_EQ(utc_fields(0).weekday, 4u);  // 1970-01-01 was a Thursday
}

TEST(TimeTest, Durations) {
    EXPECT_DOUBLE_EQ(parse_duration_s("5h"), 18000);
    EXPECT_DOUBLE_EQ(parse_duration_s("30m"), 1800);
    EXPECT_DOUBLE_EQ(parse_duration_s("1h30m"), 5400);
    EXPECT_DOUBLE_EQ(parse_duration_s("2.5h"), 9000);
    // Bounded, so that time arithmetic on it cannot overflow (found by fuzz/job_file).
    EXPECT_DOUBLE_EQ(parse_duration_s("36524d"), 36524.0 * 86400);
    EXPECT_THROW(parse_duration_s("36525d1h"), Error);
    EXPECT_THROW(parse_duration_s(std::string(70, '5') + "h"), Error);
    EXPECT_DOUBLE_EQ(parse_duration_s("90"), 90);
    EXPECT_DOUBLE_EQ(parse_duration_s("250ms"), 0.25);
    EXPECT_THROW(parse_duration_s("5x"), Error);
    EXPECT_THROW(parse_duration_s("-5h"), Error);
    EXPECT_THROW(parse_duration_s(""), Error);
}
