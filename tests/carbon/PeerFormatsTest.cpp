// The grid-data peers' own formats, each as the peer defines it: WattTime v3's login at the
// API root (the Carbon Aware SDK's separate AuthenticationBaseUrl), ENTSO-E's curve types
// A01/A02/A03 and XML entities, Electricity Maps data-portal CSV header variants, and the
// Carbon Aware SDK's location names (its azure-regions.json keys and cloud-prefixed forms).
#include <gtest/gtest.h>

#include <algorithm>

#include <fmt/format.h>

#include "local_server.hpp"
#include "powerml/carbon/csv_provider.hpp"
#include "powerml/carbon/embedded_data.hpp"
#include "powerml/carbon/entsoe_provider.hpp"
#include "powerml/carbon/sources.hpp"
#include "powerml/carbon/watttime_provider.hpp"
#include "powerml/core/config.hpp"
#include "powerml/core/error.hpp"
#include "support/run_process.hpp"
#include "support/temp_dir.hpp"

using namespace powerml;
using namespace powerml::carbon;
using powerml::test::LocalServer;

namespace {

const HttpOptions k_fast{2.0, 0, 0.01};

std::string error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const Error& e) {
        return e.what();
    }
    return "no error";
}

// A WattTime v3 server: /login where `login_path` says, data under /v3.
void watttime_routes(LocalServer& srv, const std::string& login_path, std::atomic<int>& logins) {
    srv.server.Get(login_path, [&](const httplib::Request& req, httplib::Response& res) {
        if (req.get_header_value("Authorization") != "Basic YW5uOnB3") {  // ann:pw
            res.status = 401;
            return;
        }
        ++logins;
        res.set_content(R"({"token":"tok-1"})", "application/json");
    });
    srv.server.Get("/v3/historical", [&](const httplib::Request& req, httplib::Response& res) {
        if (req.get_header_value("Authorization") != "Bearer tok-1") {
            res.status = 401;
            return;
        }
        res.set_content(R"({"data":[{"point_time":"2023-03-01T00:00:00+00:00","value":1000.0}],
            "meta":{"units":"lbs_co2_per_mwh","data_point_period_seconds":300}})",
                        "application/json");
    });
}

}  // namespace

TEST(WattTimeAuthTest, LoginIsAtTheApiRootNotUnderV3) {
    // https://api.watttime.org/login vs https://api.watttime.org/v3/historical.
    LocalServer srv;
    std::atomic<int> logins{0};
    watttime_routes(srv, "/login", logins);
    srv.start();
    EXPECT_EQ(WattTimeProvider::default_auth_url(srv.url("/v3")), srv.url());
    EXPECT_EQ(WattTimeProvider::default_auth_url("https://api.watttime.org/v3/"), "https://api.watttime.org");
    WattTimeProvider p(srv.url("/v3"), "", "ann", "pw", "co2_moer", k_fast);
    const UtcMillis from = parse_rfc3339("2023-03-01T00:00:00Z");
    const auto s = p.fetch("CAISO_NORTH", from, from + 300'000);
    ASSERT_EQ(s.points.size(), 1u);
    EXPECT_NEAR(s.points[0].g_per_kwh, 453.59237, 1e-9);
    EXPECT_EQ(logins.load(), 1);
}

TEST(WattTimeAuthTest, BothBaseUrlsAreConfigurable) {
    LocalServer srv;
    std::atomic<int> logins{0};
    watttime_routes(srv, "/auth/login", logins);
    srv.start();
    Config config;
    config.set_flag("provider.watttime.base_url", srv.url("/v3"));
    config.set_flag("provider.watttime.auth_url", srv.url("/auth"));
    config.set_flag("provider.watttime.user", "ann");
    config.set_flag("provider.watttime.key", "pw");
    config.set_flag("carbon.http_retries", "0");
    const UtcMillis from = parse_rfc3339("2023-03-01T00:00:00Z");
    const auto s = make_provider("watttime", config)->fetch("CAISO_NORTH", from, from + 300'000);
    EXPECT_EQ(s.points.size(), 1u);
    EXPECT_EQ(logins.load(), 1);
    // The default (root of the base URL) has no /login on this server: a clear HTTP 404.
    WattTimeProvider wrong(srv.url("/v3"), "", "ann", "pw", "co2_moer", k_fast);
    EXPECT_NE(error_of([&] { wrong.fetch("CAISO_NORTH", from, from + 300'000); }).find("404"), std::string::npos);
}

namespace {

// An A75 document with one TimeSeries per (psrType, curveType, points "position:MW").
std::string a75(const std::vector<std::tuple<std::string, std::string, std::vector<std::pair<int, double>>>>& series) {
    std::string body;
    for (const auto& [psr, curve, points] : series) {
        std::string pts;
        for (const auto& [pos, mw] : points)
            pts += fmt::format("<Point><position>{}</position><quantity>{}</quantity></Point>", pos, mw);
        body += fmt::format(
            "<TimeSeries><mRID>1</mRID>{}<inBiddingZone_Domain.mRID codingScheme=\"A01\">10Y1001A1001A82H</inBiddingZone_Domain.mRID>"
            "<MktPSRType><psrType>{}</psrType></MktPSRType><Period><timeInterval><start>2023-03-01T00:00Z</start>"
            "<end>2023-03-01T01:00Z</end></timeInterval><resolution>PT15M</resolution>{}</Period></TimeSeries>",
            curve.empty() ? "" : "<curveType>" + curve + "</curveType>", psr, pts);
    }
    return R"(<?xml version="1.0" encoding="UTF-8"?><GL_MarketDocument xmlns="urn:iec62325.351:tc57wg16:451-6:generationloaddocument:3:0">)" +
           body + "</GL_MarketDocument>";
}

}  // namespace

TEST(EntsoeCurveTypeTest, A03CarriesAValueForwardOverOmittedPositions) {
    // Coal 100 MW throughout; wind 300 MW sent once at position 1 (A03: it holds for 2-4).
    const auto f = EmissionFactors::load("ipcc-ar5");
    const auto s = EntsoeProvider::parse_a75(a75({{"B05", "A01", {{1, 100}, {2, 100}, {3, 100}, {4, 100}}},
                                                  {"B19", "A03", {{1, 300}}}}),
                                             f, "DE");
    ASSERT_EQ(s.points.size(), 4u);
    const double mixed = (100 * 820.0 + 300 * 11.0) / 400.0;  // AR5 coal 820, wind 11
    for (const auto& p : s.points) EXPECT_NEAR(p.g_per_kwh, mixed, 1e-9) << format_rfc3339(p.start);
    // A03 with a change at position 3: 300 MW for 1-2, 100 MW for 3-4.
    const auto step = EntsoeProvider::parse_a75(a75({{"B05", "A01", {{1, 100}, {2, 100}, {3, 100}, {4, 100}}},
                                                     {"B19", "A03", {{1, 300}, {3, 100}}}}),
                                                f, "DE");
    ASSERT_EQ(step.points.size(), 4u);
    EXPECT_NEAR(step.points[1].g_per_kwh, mixed, 1e-9);
    EXPECT_NEAR(step.points[3].g_per_kwh, (100 * 820.0 + 100 * 11.0) / 200.0, 1e-9);
}

TEST(EntsoeCurveTypeTest, A01AndA02TakeEachPositionAsGivenAndOthersAreRefused) {
    const auto f = EmissionFactors::load("ipcc-ar5");
    // A01 (and a TimeSeries without curveType): a missing position is missing, not repeated.
    for (const char* curve : {"A01", "", "A02"}) {
        const auto s = EntsoeProvider::parse_a75(a75({{"B05", "A01", {{1, 100}, {2, 100}, {3, 100}, {4, 100}}},
                                                      {"B19", curve, {{1, 300}}}}),
                                                 f, "DE");
        ASSERT_EQ(s.points.size(), 4u) << curve;
        EXPECT_NEAR(s.points[0].g_per_kwh, (100 * 820.0 + 300 * 11.0) / 400.0, 1e-9) << curve;
        EXPECT_NEAR(s.points[1].g_per_kwh, 820.0, 1e-9) << curve;
    }
    const auto msg = error_of([&] { EntsoeProvider::parse_a75(a75({{"B05", "A05", {{1, 100}}}}), f, "DE"); });
    EXPECT_NE(msg.find("curveType A05"), std::string::npos) << msg;
}

TEST(EntsoeCurveTypeTest, PositionsAndPeriodsOutsideTheirBoundsAreRefusedNotExpanded) {
    // A damaged answer must not overflow a position into an integer, nor expand a Period of
    // centuries into billions of values (found by fuzz/provider_entsoe): a one-line error.
    const auto f = EmissionFactors::load("ipcc-ar5");
    const auto doc = [](const std::string& curve, const std::string& end, const std::string& position) {
        return "<GL_MarketDocument><TimeSeries><curveType>" + curve +
               "</curveType><MktPSRType><psrType>B05</psrType></MktPSRType><Period><timeInterval>"
               "<start>2023-03-01T00:00Z</start>" + (end.empty() ? "" : "<end>" + end + "</end>") +
               "</timeInterval><resolution>PT15M</resolution><Point><position>" + position +
               "</position><quantity>100</quantity></Point></Period></TimeSeries></GL_MarketDocument>";
    };
    struct Case { const char* curve; const char* end; const char* position; const char* says; };
    for (const Case& c : {Case{"A01", "2023-03-01T01:00Z", "3e89", "not a whole number from 1 to 4"},
                          Case{"A01", "2023-03-01T01:00Z", "5", "not a whole number from 1 to 4"},
                          Case{"A02", "2023-03-01T01:00Z", "1.5", "not a whole number"},
                          Case{"A01", "2023-03-01T01:00Z", "-2", "not a whole number"},
                          Case{"A01", "", "1e9", "not a whole number from 1 to 35136"},
                          Case{"A03", "9999-12-31T00:00Z", "1", "is not 1 to 35136 steps"},
                          Case{"A03", "2023-02-01T00:00Z", "1", "is not 1 to 35136 steps"}}) {
        const auto msg = error_of([&] { EntsoeProvider::parse_a75(doc(c.curve, c.end, c.position), f, "DE"); });
        EXPECT_NE(msg.find(c.says), std::string::npos) << c.curve << " " << c.end << " " << c.position << ": " << msg;
        EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
    }
    // The largest Period a one-year request can bring (a year of 15-minute steps, A03 from one
    // Point) is still read.
    const auto year = EntsoeProvider::parse_a75(doc("A03", "2024-02-29T00:00Z", "1"), f, "DE");
    EXPECT_EQ(year.points.size(), 365u * 96);
}

TEST(EntsoeCurveTypeTest, AcknowledgementEntitiesAreDecoded) {
    const auto f = EmissionFactors::load("ipcc-ar5");
    const std::string ack =
        "<Acknowledgement_MarketDocument><Reason><code>999</code><text>No matching data found for Data item "
        "ACTUAL_GENERATION_PER_PRODUCTION_TYPE [17.1.B&amp;C] (10Y1001A1001A82H) &lt;period&gt; &quot;x&quot; &#233;&#x20AC;"
        "</text></Reason></Acknowledgement_MarketDocument>";
    const auto msg = error_of([&] { EntsoeProvider::parse_a75(ack, f, "DE"); });
    EXPECT_NE(msg.find("[17.1.B&C] (10Y1001A1001A82H) <period> \"x\" \xC3\xA9\xE2\x82\xAC"), std::string::npos) << msg;
    EXPECT_EQ(msg.find("&amp;"), std::string::npos) << msg;
}

namespace {

const std::string k_co2 = "gCO\xE2\x82\x82" "eq/kWh";  // gCO₂eq/kWh

std::string parse_error(const std::string& text, const std::string& zone = "") {
    try {
        CsvProvider::parse(text, "in.csv", zone, FactorBasis::lifecycle);
    } catch (const Error& e) {
        return e.what();
    }
    return "no error";
}

}  // namespace

TEST(ElectricityMapsCsvTest, LifeCycleHeaderOf2024ExportsIsReadAsLifecycle) {
    // The newer data-portal header: "Zone id", "(Life cycle)", CFE% and RE%, "Data estimated".
    const std::string text = "Datetime (UTC),Country,Zone name,Zone id,Carbon intensity " + k_co2 + " (direct),Carbon intensity " +
                             k_co2 + " (Life cycle),Carbon-free energy percentage (CFE%),Renewable energy percentage (RE%),"
                             "Data source,Data estimated,Data estimation method\n"
                             "2024-01-01 00:00:00,Sweden,Sweden,SE,2.54,30.02,99.42,60.13,svk.se,true,ESTIMATED_FORECASTS_HIERARCHY\n"
                             "2024-01-01 01:00:00,Sweden,Sweden,SE,2.6,30.32,99.4,59.52,svk.se,false,\n";
    const auto lca = CsvProvider::parse(text, "se.csv", "SE", FactorBasis::lifecycle);
    ASSERT_EQ(lca.points.size(), 2u);
    EXPECT_DOUBLE_EQ(lca.points[0].g_per_kwh, 30.02);  // not the direct 2.54
    EXPECT_EQ(lca.points[0].kind, PointKind::estimated);
    EXPECT_EQ(lca.points[1].kind, PointKind::measured);
    EXPECT_EQ(lca.attribution, "Electricity Maps");
    EXPECT_DOUBLE_EQ(CsvProvider::parse(text, "se.csv", "SE", FactorBasis::direct).points[1].g_per_kwh, 2.6);
}

TEST(ElectricityMapsCsvTest, ColumnsAreFoundByNameInAnyOrderAndEstimationMethodAlone) {
    // Reordered, no "Data estimated" column: a named estimation method marks the row estimated.
    const std::string text = "Zone Id,Carbon Intensity " + k_co2 + " (LCA),Datetime (UTC),Data Estimation Method,Carbon Intensity " +
                             k_co2 + " (direct)\n"
                             "CY,1063.32,2023-01-01 00:00:00,,838.25\n"
                             "CY,1075.49,2023-01-01 01:00:00,TIME_SLICER_AVERAGE,847.78\n";
    const auto s = CsvProvider::parse(text, "cy.csv", "CY", FactorBasis::lifecycle);
    ASSERT_EQ(s.points.size(), 2u);
    EXPECT_DOUBLE_EQ(s.points[0].g_per_kwh, 1063.32);
    EXPECT_EQ(s.points[0].kind, PointKind::measured);
    EXPECT_EQ(s.points[1].kind, PointKind::estimated);
}

TEST(ElectricityMapsCsvTest, SeveralZonesInOneFileAreSelectedByZone) {
    const std::string text = "Datetime (UTC),Zone Name,Zone Id,Carbon Intensity " + k_co2 + " (LCA),Data Estimated\n"
                             "2023-01-01 00:00:00,Germany,DE,400,false\n"
                             "2023-01-01 00:00:00,France,FR,50,false\n"
                             "2023-01-01 01:00:00,Germany,DE,410,false\n"
                             "2023-01-01 01:00:00,France,FR,55,false\n";
    const auto fr = CsvProvider::parse(text, "two.csv", "FR", FactorBasis::lifecycle);
    ASSERT_EQ(fr.points.size(), 2u);
    EXPECT_DOUBLE_EQ(fr.points[1].g_per_kwh, 55);
    EXPECT_DOUBLE_EQ(CsvProvider::parse(text, "two.csv", "Germany", FactorBasis::lifecycle).points[1].g_per_kwh, 410);
    const auto none = parse_error(text);
    EXPECT_NE(none.find("more than one zone (DE, FR)"), std::string::npos) << none;
    const auto other = parse_error(text, "GB");
    EXPECT_NE(other.find("no rows for zone 'GB'; the file holds DE, FR"), std::string::npos) << other;
}

TEST(ElectricityMapsCsvTest, HeadersItCannotInterpretAreRefusedNamingTheColumns) {
    // An intensity column that names no basis and a column nobody documents: refused, not guessed.
    const auto odd = parse_error("Datetime (UTC),Zone Id,Carbon Intensity " + k_co2 + " (LCA),Mystery\n2023-01-01 00:00:00,CY,1,2\n");
    EXPECT_NE(odd.find("cannot interpret (Mystery)"), std::string::npos) << odd;
    EXPECT_NE(odd.find("columns seen: 'Datetime (UTC)', 'Zone Id'"), std::string::npos) << odd;
    // Plain mode with two candidate value columns, or none.
    const auto two = parse_error("time,value,intensity\n2024-01-01T00:00:00Z,1,2\n");
    EXPECT_NE(two.find("more than one column could be the value"), std::string::npos) << two;
    const auto none = parse_error("time,reading\n2024-01-01T00:00:00Z,1\n");
    EXPECT_NE(none.find("cannot interpret reading"), std::string::npos) << none;
    // Only the direct column while lifecycle is asked for: said, not substituted.
    const auto direct_only = parse_error("Datetime (UTC),Carbon Intensity " + k_co2 + " (direct)\n2023-01-01 00:00:00,5\n");
    EXPECT_NE(direct_only.find("no lifecycle intensity column"), std::string::npos) << direct_only;
}

TEST(ElectricityMapsCsvTest, BytesReadAreBounded) {
    // csv:/dev/zero ends with a clear error instead of reading forever.
    const auto zero = error_of([] { CsvProvider("/dev/zero").fetch("X", 0, 3'600'000); });
    EXPECT_NE(zero.find("NUL bytes"), std::string::npos) << zero;
    test::TempDir dir;
    std::string big = "time,value\n";
    for (int h = 0; h < 200; ++h) big += fmt::format("2024-01-01T00:00:00Z,{}\n", h);
    const auto path = dir.write("big.csv", big);
    const auto over = error_of([&] { CsvProvider(path.string(), FactorBasis::lifecycle, 1024).fetch("X", 0, 3'600'000); });
    EXPECT_NE(over.find("larger than"), std::string::npos) << over;
    EXPECT_NO_THROW(CsvProvider(path.string(), FactorBasis::lifecycle, 1 << 20).fetch("X", 0, 3'600'000));
}

TEST(SdkLocationNamesTest, CarbonAwareSdkAzureKeysAndCloudPrefixedSpellingsResolve) {
    const auto& d = EmbeddedData::instance();
    // Every key of the SDK's src/data/location-sources/azure-regions.json but "brazilus" (a
    // logical region with no grid of its own).
    for (const char* key :
         {"australiacentral", "australiacentral2", "australiaeast", "australiasoutheast", "brazilsouth", "brazilsoutheast",
          "canadacentral", "canadaeast", "centralindia", "centralus", "centraluseuap", "eastasia", "eastus", "eastus2",
          "eastus2euap", "eastusstg", "francecentral", "francesouth", "germanynorth", "germanywestcentral", "israelcentral",
          "italynorth", "japaneast", "japanwest", "jioindiacentral", "jioindiawest", "koreacentral", "koreasouth",
          "mexicocentral", "northcentralus", "northeurope", "norwayeast", "norwaywest", "polandcentral", "qatarcentral",
          "southafricanorth", "southafricawest", "southcentralus", "southeastasia", "southindia", "spaincentral",
          "swedencentral", "switzerlandnorth", "switzerlandwest", "uaecentral", "uaenorth", "uksouth", "ukwest",
          "westcentralus", "westeurope", "westindia", "westus", "westus2", "westus3"}) {
        EXPECT_NO_THROW(d.resolve(key)) << key;
        EXPECT_NO_THROW(d.resolve(std::string("azure:") + key)) << key;
    }
    EXPECT_EQ(d.resolve("westeurope").zone, "NL");
    EXPECT_EQ(d.resolve("azure:westeurope").zone, "NL");      // the spelling http-api.md promises
    EXPECT_EQ(d.resolve("azure:West Europe").zone, "NL");     // display spelling
    EXPECT_EQ(d.resolve("eastus").zone, d.resolve("azure:East US").zone);
    EXPECT_EQ(d.resolve("japaneast").zone, "JP-TK");
    EXPECT_EQ(d.resolve("aws:eu-west-1").zone, d.resolve("aws:euwest1").zone);
    EXPECT_NO_THROW(d.resolve("gcp:europe-west1"));
    EXPECT_NO_THROW(d.resolve("GCP:Europe-West1"));
    EXPECT_THROW(d.resolve("aws:westeurope"), Error);  // an Azure name under another provider's prefix
}

TEST(ElectricityMapsCsvTest, CliEndsCsvDevZeroWithOneLineError) {
    const auto r = test::run_powerml({"intensity", "--zone", "X", "--from", "2024-01-01T00:00:00Z", "--to",
                                      "2024-01-01T02:00:00Z", "--source", "csv:/dev/zero"});
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.err.find("NUL bytes"), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}
