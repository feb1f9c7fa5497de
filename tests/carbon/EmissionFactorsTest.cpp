// Mix -> intensity against the ENTSO-E 2025 production files and the intensities computed
// from them with IPCC SRREN medians (three-day excerpts in tests/carbon/data/mix/).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "../../src/carbon/csv_text.hpp"
#include "powerml/carbon/emission_factors.hpp"
#include "powerml/core/error.hpp"
#include "support/temp_dir.hpp"

using namespace powerml;
using namespace powerml::carbon;

TEST(EmissionFactorsTest, HandComputedMix) {
    const auto ar5 = EmissionFactors::load("ipcc-ar5");
    const auto r = ar5.intensity({{"Fossil Gas", 300}, {"Nuclear", 600}, {"Wind Onshore", 100}, {"BE", 50}});
    EXPECT_NEAR(r.g_per_kwh, (300 * 490.0 + 600 * 12.0 + 100 * 11.0) / 1000.0, 1e-9);  // AR5 lifecycle
    EXPECT_DOUBLE_EQ(r.uncovered_mw, 50.0);  // an import is not generation
    const auto direct = EmissionFactors::load("ipcc-ar5", FactorBasis::direct);
    EXPECT_NEAR(direct.intensity({{"B04", 1}}).g_per_kwh, 370.0, 1e-9);
    EXPECT_THROW(EmissionFactors::load("ipcc-srren", FactorBasis::direct), Error);
    EXPECT_THROW(EmissionFactors::load("no-such-set"), Error);
}

TEST(EmissionFactorsTest, UserSetFromCsv) {
    test::TempDir dir;
    const auto path = dir.write("mine.csv", "source,lifecycle,direct\ncoal,1000,900\ngas,400,350\n");
    const auto f = EmissionFactors::load(path.string());
    EXPECT_NEAR(f.intensity({{"Fossil Hard coal", 1}, {"Fossil Gas", 1}}).g_per_kwh, 700.0, 1e-9);
    const auto bad = dir.write("bad.csv", "source,lifecycle\ncoal,lots\n");
    try {
        EmissionFactors::load(bad.string());
        FAIL();
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("bad.csv:2"), std::string::npos);
    }
}

namespace {
// Relative errors of our SRREN intensity against the reference file, per half hour.
std::vector<double> errors_against_reference(const std::string& production, const std::string& reference) {
    const auto srren = EmissionFactors::load("ipcc-srren");
    const std::string dir = std::string(POWERML_TEST_SOURCE_DIR) + "/carbon/data/mix/";
    const auto prod = test::read_file(dir + production), ref = test::read_file(dir + reference);
    std::vector<std::vector<std::string>> prod_rows, ref_rows;
    csv::for_each_line(prod, [&](std::string_view l, long) { prod_rows.push_back(csv::split(l)); return true; });
    csv::for_each_line(ref, [&](std::string_view l, long) { ref_rows.push_back(csv::split(l)); return true; });
    EXPECT_EQ(prod_rows.size(), ref_rows.size());
    std::vector<double> errors;
    for (std::size_t i = 1; i < std::min(prod_rows.size(), ref_rows.size()); ++i) {
        EXPECT_EQ(prod_rows[i][0], ref_rows[i][0]);
        std::map<std::string, double> mix;
        for (std::size_t c = 1; c < prod_rows[i].size(); ++c) {
            double mw = 0;
            if (csv::to_double(prod_rows[i][c], mw)) mix[prod_rows[0][c]] += mw;
        }
        double want = 0;
        EXPECT_TRUE(csv::to_double(ref_rows[i][1], want));
        errors.push_back(std::fabs(srren.intensity(mix).g_per_kwh - want) / want);
    }
    std::sort(errors.begin(), errors.end());
    return errors;
}
}  // namespace

// The reference intensities are not a function of the production columns alone: they also
// weigh the import columns (AT, BE, ...) with the neighbours' own time-varying intensities,
// which the files do not carry. Production-only intensity matches within 1 % only for part
// of the half hours (measured: DE 16 %, FR 24 % of the year), so this test pins what we
// measured: the median error, not every point (see docs/accuracy.md).
TEST(EmissionFactorsTest, SrrenMixAgainstReferenceFiles) {
    const auto de = errors_against_reference("ger_production_2025_3days.csv", "ger_2025_ci_3days.csv");
    const auto fr = errors_against_reference("fr_production_2025_fixed_3days.csv", "fr_2025_ci_3days.csv");
    ASSERT_EQ(de.size(), 144u);
    ASSERT_EQ(fr.size(), 144u);
    EXPECT_LT(de[de.size() / 2], 0.02) << "DE median relative error";
    EXPECT_LT(fr[fr.size() / 2], 0.10) << "FR median relative error";
    RecordProperty("de_median_error", std::to_string(de[de.size() / 2]));
    RecordProperty("fr_median_error", std::to_string(fr[fr.size() / 2]));
    std::printf("SRREN mix vs reference, 3 days: DE median %.2f %%, max %.2f %%; FR median %.2f %%, max %.2f %%\n",
                100 * de[de.size() / 2], 100 * de.back(), 100 * fr[fr.size() / 2], 100 * fr.back());
}
