// CSV input: both formats, units, resolutions, DST offsets, gaps, duplicates, malformed files.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "powerml/carbon/csv_provider.hpp"
#include "powerml/carbon/sources.hpp"
#include "powerml/core/error.hpp"
#include "support/temp_dir.hpp"

using namespace powerml;
using namespace powerml::carbon;

namespace {
std::string error_of(const std::string& text) {
    try {
        CsvProvider::parse(text, "in.csv", "", FactorBasis::lifecycle);
    } catch (const Error& e) {
        return e.what();
    }
    return "no error";
}
}  // namespace

TEST(CsvProviderTest, ElectricityMapsExportPicksBasisAndEstimatedFlag) {
    const std::string text =
        "Datetime (UTC),Country,Zone Name,Zone Id,Carbon Intensity gCO\xE2\x82\x82" "eq/kWh (direct),Carbon Intensity "
        "gCO\xE2\x82\x82" "eq/kWh (LCA),Low Carbon Percentage,Renewable Percentage,Data Source,Data Estimated,Data "
        "Estimation Method\n"
        "2023-01-01 00:00:00,Cyprus,Cyprus,CY,838.25,1063.32,9.47,9.47,tsoc.org.cy,false,\n"
        "2023-01-01 01:00:00,Cyprus,Cyprus,CY,847.78,1075.49,8.44,8.44,tsoc.org.cy,true,TIME_SLICER_AVERAGE\n";
    const auto lca = CsvProvider::parse(text, "em.csv", "CY", FactorBasis::lifecycle);
    const auto direct = CsvProvider::parse(text, "em.csv", "CY", FactorBasis::direct);
    ASSERT_EQ(lca.points.size(), 2u);
    EXPECT_DOUBLE_EQ(lca.points[0].g_per_kwh, 1063.32);
    EXPECT_DOUBLE_EQ(direct.points[1].g_per_kwh, 847.78);
    EXPECT_EQ(lca.points[1].kind, PointKind::estimated);
    EXPECT_EQ(lca.attribution, "Electricity Maps");
    EXPECT_THROW(CsvProvider::parse(text, "em.csv", "GB", FactorBasis::lifecycle), Error);
}

TEST(CsvProviderTest, PlainCsvUnitsAndHalfHourResolution) {
    const auto s = CsvProvider::parse("time,value (lbs/MWh)\n2024-01-01T00:00:00Z,1000\n2024-01-01T00:30:00Z,500\n", "a.csv",
                                      "", FactorBasis::lifecycle);
    ASSERT_EQ(s.points.size(), 2u);
    EXPECT_NEAR(s.points[0].g_per_kwh, 453.59237, 1e-9);
    EXPECT_DOUBLE_EQ(s.points[1].duration_s, 1800.0);  // the last point takes the common step
    const auto kg = CsvProvider::parse("time,kg/MWh\n2024-01-01T00:00:00Z,250\n2024-01-01T00:15:00Z,260\n", "b.csv", "",
                                       FactorBasis::lifecycle);
    EXPECT_DOUBLE_EQ(kg.points[0].g_per_kwh, 250.0);
    EXPECT_DOUBLE_EQ(kg.points[0].duration_s, 900.0);
}

TEST(CsvProviderTest, LocalTimesAcrossDstBecomeContiguousUtcHours) {
    // Berlin, 2023-03-26: 01:00+01:00 is followed by 03:00+02:00 (the clock skips 02:00).
    const auto s = CsvProvider::parse(
        "time,value\n2023-03-26T00:00:00+01:00,100\n2023-03-26T01:00:00+01:00,110\n2023-03-26T03:00:00+02:00,120\n"
        "2023-03-26T04:00:00+02:00,130\n",
        "dst.csv", "", FactorBasis::lifecycle);
    ASSERT_EQ(s.points.size(), 4u);
    for (std::size_t i = 1; i < s.points.size(); ++i) EXPECT_EQ(s.points[i].start - s.points[i - 1].start, 3'600'000);
    EXPECT_EQ(format_rfc3339(s.points[2].start), "2023-03-26T01:00:00Z");
    EXPECT_EQ(s.note, "");
    // Autumn: 02:00+02:00 and 02:00+01:00 are two different UTC hours, not a duplicate.
    const auto autumn = CsvProvider::parse(
        "time,value\n2023-10-29T02:00:00+02:00,100\n2023-10-29T02:00:00+01:00,110\n", "dst2.csv", "", FactorBasis::lifecycle);
    EXPECT_EQ(autumn.points.size(), 2u);
}

TEST(CsvProviderTest, GapsAndDuplicatedHours) {
    const auto s = CsvProvider::parse(
        "time,value\n2024-01-01T00:00:00Z,100\n2024-01-01T01:00:00Z,110\n2024-01-01T01:00:00Z,115\n"
        "2024-01-01T04:00:00Z,140\n2024-01-01T05:00:00Z,150\n",
        "g.csv", "", FactorBasis::lifecycle);
    ASSERT_EQ(s.points.size(), 4u);
    EXPECT_DOUBLE_EQ(s.points[1].g_per_kwh, 115.0);  // the later (revised) row wins
    EXPECT_FALSE(s.value_at(parse_rfc3339("2024-01-01T02:30:00Z")).has_value());  // the gap stays a gap
    EXPECT_NE(s.note.find("1 repeated times (1 with a different value)"), std::string::npos) << s.note;
    EXPECT_NE(s.note.find("1 gaps"), std::string::npos) << s.note;
}

TEST(CsvProviderTest, MalformedFilesRejectedWithLineNumbers) {
    EXPECT_NE(error_of("time,value\n2024-01-01T00:00:00Z,100\n2024-01-01T01:00:00Z,abc\n").find("in.csv:3"), std::string::npos);
    EXPECT_NE(error_of("time,value\n2024-13-01T00:00:00Z,100\n").find("in.csv:2"), std::string::npos);
    EXPECT_NE(error_of("time,value\n2024-01-01T00:00:00Z\n").find("in.csv:2"), std::string::npos);
    EXPECT_NE(error_of("time,value\n2024-01-01T00:00:00Z,-5\n").find("in.csv:2"), std::string::npos);
    EXPECT_NE(error_of("").find("empty"), std::string::npos);
    EXPECT_NE(error_of("just_one_column\n1\n").find("in.csv:1"), std::string::npos);
}

TEST(CsvProviderTest, FetchSeriesFillsTimesAfterTheFileWithItsProfile) {
    test::TempDir dir;
    std::string text = "time,value\n";
    for (int d = 1; d <= 7; ++d)
        for (int h = 0; h < 24; ++h) text += fmt::format("2024-01-{:02}T{:02}:00:00Z,{}\n", d, h, 100 + h);
    const auto path = dir.write("week.csv", text);
    Config config;
    const auto s = fetch_series("csv:" + path.string(), "X", parse_rfc3339("2024-01-07T22:00:00Z"),
                                parse_rfc3339("2024-01-08T02:00:00Z"), config);
    ASSERT_EQ(s.points.size(), 4u);
    EXPECT_EQ(s.points[0].kind, PointKind::measured);
    EXPECT_EQ(s.points[2].kind, PointKind::estimated);
    EXPECT_DOUBLE_EQ(s.points[2].g_per_kwh, 100.0);  // hour 0 of every January day in the file
    EXPECT_EQ(s.answered_by, "file");
    EXPECT_NE(s.note.find("typical profile"), std::string::npos);
}
