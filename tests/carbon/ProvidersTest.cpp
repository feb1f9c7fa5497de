// Live providers against local servers that replay each API's response shapes (FIELD-NOTES.md).
#include <gtest/gtest.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "local_server.hpp"
#include "powerml/carbon/electricitymaps_provider.hpp"
#include "powerml/carbon/entsoe_provider.hpp"
#include "powerml/carbon/ukgrid_provider.hpp"
#include "powerml/carbon/watttime_provider.hpp"
#include "powerml/core/error.hpp"

using namespace powerml;
using namespace powerml::carbon;
using powerml::test::LocalServer;

namespace {
const HttpOptions k_fast{2.0, 2, 0.01};

std::string error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const Error& e) {
        return e.what();
    }
    return "no error";
}

// Hourly Electricity Maps points for [start, end) with value = 100 + hour of day.
nlohmann::json em_hours(UtcMillis a, UtcMillis b) {
    nlohmann::json arr = nlohmann::json::array();
    for (UtcMillis t = a; t < b; t += 3'600'000)
        arr.push_back({{"carbonIntensity", 100 + utc_fields(t).hour}, {"datetime", format_rfc3339(t)},
                       {"updatedAt", "2023-01-05T00:00:00Z"}, {"emissionFactorType", "lifecycle"},
                       {"isEstimated", utc_fields(t).hour == 5}, {"estimationMethod", nullptr}});
    return arr;
}
}  // namespace

TEST(ElectricityMapsTest, PagesThroughPastRangeWithAuthToken) {
    LocalServer srv;
    int pages = 0;
    srv.server.Get("/v3/carbon-intensity/past-range", [&](const httplib::Request& req, httplib::Response& res) {
        if (req.get_header_value("auth-token") != "sekret") {
            res.status = 401;
            return;
        }
        ++pages;
        EXPECT_EQ(req.get_param_value("emissionFactorType"), "lifecycle");
        const UtcMillis a = parse_rfc3339(req.get_param_value("start")), b = parse_rfc3339(req.get_param_value("end"));
        EXPECT_LE(b - a, 86'400'000);  // page_days = 1
        res.set_content(nlohmann::json{{"zone", req.get_param_value("zone")}, {"data", em_hours(a, b)}}.dump(),
                        "application/json");
    });
    srv.start();
    ElectricityMapsProvider p(srv.url("/v3"), "sekret", FactorBasis::lifecycle, k_fast, 1);
    const UtcMillis from = parse_rfc3339("2023-03-01T00:00:00Z");
    const auto s = p.fetch("DE", from, from + 3 * 86'400'000);
    EXPECT_EQ(pages, 3);
    ASSERT_EQ(s.points.size(), 72u);
    EXPECT_DOUBLE_EQ(s.points[13].g_per_kwh, 113.0);
    EXPECT_EQ(s.points[5].kind, PointKind::estimated);
    EXPECT_EQ(s.points[6].kind, PointKind::measured);

    ElectricityMapsProvider bad(srv.url("/v3"), "wrong-key-123", FactorBasis::lifecycle, k_fast, 1);
    const std::string msg = error_of([&] { bad.fetch("DE", from, from + 3'600'000); });
    EXPECT_NE(msg.find("HTTP 401"), std::string::npos) << msg;
    EXPECT_NE(msg.find("POWERML_PROVIDER_ELECTRICITYMAPS_KEY"), std::string::npos) << msg;
    EXPECT_EQ(msg.find("wrong-key-123"), std::string::npos) << "key leaked: " << msg;
}

TEST(ElectricityMapsTest, RevisedValuesNullsAndHistoryShape) {
    LocalServer srv;
    srv.server.Get("/carbon-intensity/past-range", [&](const httplib::Request&, httplib::Response& res) {
        // The older `history` shape; hour 1 published twice (revised 300 -> 310), hour 2 not yet computed.
        res.set_content(R"({"zone":"DE","history":[
          {"carbonIntensity":200,"datetime":"2023-03-01T00:00:00.000Z","isEstimated":false},
          {"carbonIntensity":300,"datetime":"2023-03-01T01:00:00.000Z","isEstimated":false},
          {"carbonIntensity":310,"datetime":"2023-03-01T01:00:00.000Z","isEstimated":false},
          {"carbonIntensity":null,"datetime":"2023-03-01T02:00:00.000Z","isEstimated":false}]})",
                        "application/json");
    });
    srv.start();
    ElectricityMapsProvider p(srv.url(), "k", FactorBasis::lifecycle, k_fast);
    const UtcMillis from = parse_rfc3339("2023-03-01T00:00:00Z");
    const auto s = p.fetch("DE", from, from + 3 * 3'600'000);
    ASSERT_EQ(s.points.size(), 2u);
    EXPECT_DOUBLE_EQ(s.points[1].g_per_kwh, 310.0);
    EXPECT_FALSE(s.value_at(from + 2 * 3'600'000).has_value());
}

TEST(ElectricityMapsTest, GarbageBodyAndServerErrorsGiveOneSentence) {
    LocalServer srv;
    std::atomic<int> calls{0};
    srv.server.Get("/garbage/carbon-intensity/past-range", [&](const httplib::Request&, httplib::Response& res) {
        res.set_content("<html>Bad gateway</html>", "text/html");
    });
    srv.server.Get("/limited/carbon-intensity/past-range", [&](const httplib::Request&, httplib::Response& res) {
        ++calls;
        res.status = 429;
    });
    srv.server.Get("/flaky/carbon-intensity/past-range", [&](const httplib::Request& req, httplib::Response& res) {
        // Fails twice with 503, then answers: bounded retries must ride it out.
        if (++calls <= 2) {
            res.status = 503;
            return;
        }
        const UtcMillis a = parse_rfc3339(req.get_param_value("start")), b = parse_rfc3339(req.get_param_value("end"));
        res.set_content(nlohmann::json{{"data", em_hours(a, b)}}.dump(), "application/json");
    });
    srv.server.Get("/forbidden/carbon-intensity/past-range",
                   [&](const httplib::Request&, httplib::Response& res) { res.status = 403; });
    srv.start();
    const UtcMillis from = parse_rfc3339("2023-03-01T00:00:00Z");
    const auto fetch = [&](const std::string& prefix) {
        ElectricityMapsProvider(srv.url(prefix), "k", FactorBasis::lifecycle, k_fast).fetch("DE", from, from + 7'200'000);
    };
    EXPECT_NE(error_of([&] { fetch("/garbage"); }).find("malformed answer"), std::string::npos);
    const std::string limited = error_of([&] { fetch("/limited"); });
    EXPECT_NE(limited.find("HTTP 429"), std::string::npos) << limited;
    EXPECT_EQ(calls.load(), 3);  // one try and two retries
    EXPECT_NE(error_of([&] { fetch("/forbidden"); }).find("HTTP 403"), std::string::npos);
    calls = 0;
    ElectricityMapsProvider flaky(srv.url("/flaky"), "k", FactorBasis::lifecycle, k_fast);
    EXPECT_EQ(flaky.fetch("DE", from, from + 7'200'000).points.size(), 2u);
    EXPECT_EQ(calls.load(), 3);
    // Nothing listening: a clear sentence naming the provider and the base_url key.
    ElectricityMapsProvider nowhere("http://127.0.0.1:1", "k", FactorBasis::lifecycle, {0.5, 0, 0.0});
    const std::string unreachable = error_of([&] { nowhere.fetch("DE", from, from + 3'600'000); });
    EXPECT_NE(unreachable.find("cannot reach electricitymaps"), std::string::npos) << unreachable;
}

TEST(WattTimeTest, LoginThenHistoricalInLbsPerMwh) {
    LocalServer srv;
    srv.server.Get("/login", [&](const httplib::Request& req, httplib::Response& res) {  // v3: login at the API root
        // Basic auth for user "ann", password "pw".
        if (req.get_header_value("Authorization") != "Basic YW5uOnB3") {
            res.status = 401;
            return;
        }
        res.set_content(R"({"token":"tok-1"})", "application/json");
    });
    srv.server.Get("/v3/historical", [&](const httplib::Request& req, httplib::Response& res) {
        if (req.get_header_value("Authorization") != "Bearer tok-1") {
            res.status = 401;
            return;
        }
        EXPECT_EQ(req.get_param_value("signal_type"), "co2_moer");
        res.set_content(R"({"data":[{"point_time":"2023-03-01T00:00:00+00:00","value":1000.0},
            {"point_time":"2023-03-01T00:05:00+00:00","value":800.0}],
            "meta":{"region":"CAISO_NORTH","units":"lbs_co2_per_mwh","data_point_period_seconds":300,
            "generated_at":"2023-03-02T00:00:00+00:00"}})",
                        "application/json");
    });
    srv.start();
    WattTimeProvider p(srv.url("/v3"), "", "ann", "pw", "co2_moer", k_fast);
    const UtcMillis from = parse_rfc3339("2023-03-01T00:00:00Z");
    const auto s = p.fetch("CAISO_NORTH", from, from + 600'000);
    ASSERT_EQ(s.points.size(), 2u);
    EXPECT_EQ(s.signal, SignalType::marginal);
    EXPECT_NEAR(s.points[0].g_per_kwh, 453.59237, 1e-9);  // 1000 lbs/MWh x 0.45359237
    EXPECT_DOUBLE_EQ(s.points[0].duration_s, 300.0);
    WattTimeProvider wrong(srv.url("/v3"), "", "ann", "nope", "co2_moer", k_fast);
    EXPECT_NE(error_of([&] { wrong.fetch("CAISO_NORTH", from, from + 600'000); }).find("HTTP 401"), std::string::npos);
    EXPECT_THROW(WattTimeProvider(srv.url(), "", "ann", "pw", "co2_xyz"), Error);
}

TEST(UkGridTest, NationalActualsForecastsAndRegional) {
    LocalServer srv;
    srv.server.Get(R"(/intensity/([^/]+)/([^/]+))", [&](const httplib::Request& req, httplib::Response& res) {
        EXPECT_EQ(req.matches[1], "2023-03-26T00:00Z");
        res.set_content(R"({"data":[
          {"from":"2023-03-26T00:00Z","to":"2023-03-26T00:30Z","intensity":{"forecast":120,"actual":118,"index":"low"}},
          {"from":"2023-03-26T00:30Z","to":"2023-03-26T01:00Z","intensity":{"forecast":125,"actual":null,"index":"low"}}]})",
                        "application/json");
    });
    srv.server.Get(R"(/regional/intensity/([^/]+)/([^/]+)/regionid/13)", [&](const httplib::Request&, httplib::Response& res) {
        res.set_content(R"({"data":[{"regionid":13,"dnoregion":"UKPN London","shortname":"London","data":[
          {"from":"2023-03-26T00:00Z","to":"2023-03-26T00:30Z","intensity":{"forecast":150,"index":"moderate"},
           "generationmix":[{"fuel":"gas","perc":40.1}]}]}]})",
                        "application/json");
    });
    srv.start();
    UkGridProvider p(srv.url(), k_fast);
    const UtcMillis from = parse_rfc3339("2023-03-26T00:00:00Z");
    const auto s = p.fetch("GB", from, from + 3'600'000);
    ASSERT_EQ(s.points.size(), 2u);
    EXPECT_DOUBLE_EQ(s.points[0].g_per_kwh, 118.0);
    EXPECT_EQ(s.points[0].kind, PointKind::measured);
    EXPECT_DOUBLE_EQ(s.points[1].g_per_kwh, 125.0);
    EXPECT_EQ(s.points[1].kind, PointKind::forecast);
    EXPECT_DOUBLE_EQ(s.points[1].duration_s, 1800.0);
    const auto r = p.fetch("GB:13", from, from + 1'800'000);
    ASSERT_EQ(r.points.size(), 1u);
    EXPECT_DOUBLE_EQ(r.points[0].g_per_kwh, 150.0);
    EXPECT_THROW(p.fetch("FR", from, from + 1'800'000), Error);
}

namespace {
std::string a75(const std::string& series) {
    return R"(<?xml version="1.0" encoding="UTF-8"?><GL_MarketDocument xmlns="urn:iec62325.351:tc57wg16:451-6:generationloaddocument:3:0"><mRID>x</mRID>)" +
           series + "</GL_MarketDocument>";
}
std::string ts(const std::string& psr, const std::string& res, const std::vector<double>& mw, bool consumption = false) {
    std::string points;
    for (std::size_t i = 0; i < mw.size(); ++i)
        points += fmt::format("<Point><position>{}</position><quantity>{}</quantity></Point>", i + 1, mw[i]);
    return fmt::format("<TimeSeries><mRID>1</mRID>{}<MktPSRType><psrType>{}</psrType></MktPSRType><Period><timeInterval>"
                       "<start>2023-03-01T00:00Z</start><end>2023-03-01T01:00Z</end></timeInterval><resolution>{}</resolution>"
                       "{}</Period></TimeSeries>",
                       consumption ? "<outBiddingZone_Domain.mRID codingScheme=\"A01\">10Y1001A1001A82H</outBiddingZone_Domain.mRID>"
                                   : "<inBiddingZone_Domain.mRID codingScheme=\"A01\">10Y1001A1001A82H</inBiddingZone_Domain.mRID>",
                       psr, res, points);
}
}  // namespace

TEST(EntsoeTest, GenerationPerTypeBecomesIntensity) {
    LocalServer srv;
    srv.server.Get("/api", [&](const httplib::Request& req, httplib::Response& res) {
        if (req.get_param_value("securityToken") != "tok") {
            res.status = 401;
            return;
        }
        EXPECT_EQ(req.get_param_value("documentType"), "A75");
        EXPECT_EQ(req.get_param_value("in_Domain"), "10Y1001A1001A82H");
        EXPECT_EQ(req.get_param_value("periodStart"), "202303010000");
        // Coal (B05) 100 MW and wind (B19) 300 MW each quarter hour; pumping consumption ignored.
        res.set_content(a75(ts("B05", "PT15M", {100, 100, 100, 100}) + ts("B19", "PT15M", {300, 300, 300, 100}) +
                            ts("B10", "PT60M", {999}, true)),
                        "application/xml");
    });
    srv.start();
    const auto factors = EmissionFactors::load("ipcc-ar5");
    EntsoeProvider p(srv.url(), "tok", factors, k_fast);
    const UtcMillis from = parse_rfc3339("2023-03-01T00:00:00Z");
    const auto s = p.fetch("DE", from, from + 3'600'000);
    ASSERT_EQ(s.points.size(), 4u);
    EXPECT_NEAR(s.points[0].g_per_kwh, (100 * 820.0 + 300 * 11.0) / 400.0, 1e-9);  // AR5 coal 820, wind 11
    EXPECT_NEAR(s.points[3].g_per_kwh, (100 * 820.0 + 100 * 11.0) / 200.0, 1e-9);
    EXPECT_DOUBLE_EQ(s.points[0].duration_s, 900.0);
    EntsoeProvider bad(srv.url(), "bad-token-xyz", factors, k_fast);
    const std::string msg = error_of([&] { bad.fetch("DE", from, from + 3'600'000); });
    EXPECT_EQ(msg.find("bad-token-xyz"), std::string::npos) << msg;
    EXPECT_NE(msg.find("HTTP 401"), std::string::npos) << msg;
}

TEST(EntsoeTest, AcknowledgementAndGarbage) {
    const auto f = EmissionFactors::load("ipcc-ar5");
    const std::string ack = R"(<Acknowledgement_MarketDocument><Reason><code>999</code><text>No matching data found for Data item ACTUAL_GENERATION</text></Reason></Acknowledgement_MarketDocument>)";
    EXPECT_NE(error_of([&] { EntsoeProvider::parse_a75(ack, f, "DE"); }).find("No matching data found"), std::string::npos);
    EXPECT_NE(error_of([&] { EntsoeProvider::parse_a75("{\"not\":\"xml\"}", f, "DE"); }).find("malformed"), std::string::npos);
    EXPECT_NE(error_of([&] { EntsoeProvider::parse_a75(a75(ts("B05", "PT5M", {1})), f, "DE"); }).find("PT5M"),
              std::string::npos);
    EXPECT_THROW(EntsoeProvider::eic_code("Atlantis"), Error);
}
