// The shipped hourly data must equal the source CSVs it was converted from, value for value.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "powerml/carbon/embedded_data.hpp"
#include "powerml/carbon/embedded_provider.hpp"
#include "powerml/carbon/csv_provider.hpp"
#include "powerml/core/error.hpp"
#include "support/temp_dir.hpp"

using namespace powerml;
using namespace powerml::carbon;

namespace {
// The reference data beside the repository (../shared/data), as on the build and CI machines.
const std::filesystem::path k_shared = POWERML_TEST_SOURCE_DIR "/../../shared/data/grid/hourly";

// Every hour of one UTC day from the embedded provider equals the source file's LCA value.
void expect_day_equal(const std::string& zone, const std::string& source_file, const std::string& day) {
    const auto path = k_shared / source_file;
    if (!std::filesystem::exists(path)) GTEST_SKIP() << "source data not present: " << path;
    const auto source = CsvProvider::parse(test::read_file(path), path.string(), zone, FactorBasis::lifecycle);
    EmbeddedProvider embedded;
    const UtcMillis from = parse_rfc3339(day);
    const auto s = embedded.fetch(zone, from, from + 86'400'000);
    ASSERT_EQ(s.points.size(), 24u);
    for (const auto& p : s.points) {
        const auto want = source.value_at(p.start);
        ASSERT_TRUE(want.has_value()) << format_rfc3339(p.start);
        EXPECT_DOUBLE_EQ(p.g_per_kwh, *want) << zone << " " << format_rfc3339(p.start);
    }
}
}  // namespace

TEST(EmbeddedDataTest, CyprusDayEqualsSourceFile) { expect_day_equal("CY", "CY_2023_hourly.csv", "2023-06-15"); }
TEST(EmbeddedDataTest, GreatBritainDayEqualsSourceFile) { expect_day_equal("GB", "GB_2024_hourly.csv", "2024-03-31"); }
TEST(EmbeddedDataTest, GreatBritainDstDayHas24UtcHours) { expect_day_equal("GB", "GB_2023_hourly.csv", "2023-10-29"); }

TEST(EmbeddedDataTest, DirectBasisDiffersFromLifecycle) {
    EmbeddedProvider lca(FactorBasis::lifecycle), direct(FactorBasis::direct);
    const UtcMillis t = parse_rfc3339("2023-01-01T00:00:00Z");
    const auto a = lca.fetch("CY", t, t + 3'600'000), b = direct.fetch("CY", t, t + 3'600'000);
    // First row of CY_2023_hourly.csv: direct 838.25, LCA 1063.32.
    EXPECT_DOUBLE_EQ(a.points.at(0).g_per_kwh, 1063.32);
    EXPECT_DOUBLE_EQ(b.points.at(0).g_per_kwh, 838.25);
}

TEST(EmbeddedDataTest, ZonesFoundByAliasCountryAndCloudRegion) {
    const auto& d = EmbeddedData::instance();
    EXPECT_EQ(d.resolve("de-lu").zone, "DE");
    EXPECT_EQ(d.resolve("SE").zone, "SE");
    EXPECT_EQ(d.resolve("SWE").zone, "SWE");
    EXPECT_EQ(d.resolve("gcp:europe-west2").zone, "GB");
    EXPECT_EQ(d.resolve("aws:eu-north-1").zone, "SE");
    EXPECT_EQ(d.resolve("eu-west-3").zone, "FR");
    try {
        d.resolve("XX-NOWHERE");
        FAIL() << "expected Error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("XX-NOWHERE"), std::string::npos);
        EXPECT_NE(std::string(e.what()).find("powerml zones"), std::string::npos);
    }
}

TEST(EmbeddedDataTest, SwedenHasYearlyAverageOnlyLabelledEstimated) {
    EmbeddedProvider p;
    const UtcMillis t = parse_rfc3339("2024-05-01T00:00:00Z");
    const auto s = p.fetch("SE", t, t + 3 * 3'600'000);
    ASSERT_EQ(s.points.size(), 3u);
    for (const auto& pt : s.points) {
        EXPECT_EQ(pt.kind, PointKind::estimated);
        EXPECT_DOUBLE_EQ(pt.g_per_kwh, 21.0);  // electricitymaps_yearly_2025.json: SE 21
    }
    EXPECT_NE(s.note.find("yearly average"), std::string::npos);
}

TEST(EmbeddedDataTest, MalformedHourlyFileRejectedWithLineNumber) {
    const std::string good_header = "# powerml-hourly/1 zone=X year=2023\n";
    try {
        EmbeddedData::parse_hourly(good_header + "100,90\n1x0,90\n", "X", 2023, "x.csv");
        FAIL();
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("x.csv:3"), std::string::npos) << e.what();
    }
    try {
        EmbeddedData::parse_hourly(good_header + "100,90\n", "X", 2023, "x.csv");
        FAIL();
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("expected 8760"), std::string::npos) << e.what();
    }
    EXPECT_THROW(EmbeddedData::parse_hourly("zone,value\n", "X", 2023, "x.csv"), Error);
}

TEST(EmbeddedDataTest, TimesAfterTheDataGetTypicalProfileEstimated) {
    EmbeddedProvider p;
    // CY has only 2023: a Wednesday noon in June 2030 gets the mean of June 2023 weekday noons.
    const UtcMillis t = parse_rfc3339("2030-06-12T12:00:00Z");
    const auto s = p.fetch("CY", t, t + 3'600'000);
    ASSERT_EQ(s.points.size(), 1u);
    EXPECT_EQ(s.points[0].kind, PointKind::estimated);
    const auto year = EmbeddedData::instance().hourly("CY", 2023);
    double sum = 0;
    int n = 0;
    for (std::size_t h = 0; h < year->lca_centi.size(); ++h) {
        const auto f = utc_fields(year->start + static_cast<UtcMillis>(h) * 3'600'000);
        if (f.month == 6 && f.hour == 12 && f.weekday != 0 && f.weekday != 6) {
            sum += year->lca_centi[h] / 100.0;
            ++n;
        }
    }
    EXPECT_NEAR(s.points[0].g_per_kwh, sum / n, 1e-9);
    EXPECT_NE(s.note.find("typical profile"), std::string::npos);
}
