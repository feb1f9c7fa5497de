// fetch_series: live answers are cached; when the service fails the cache answers, then the
// embedded data; every answer says which step answered. Also run_carbon and the CLI.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "local_server.hpp"
#include "powerml/carbon/run_carbon.hpp"
#include "powerml/carbon/sources.hpp"
#include "powerml/core/error.hpp"
#include "support/run_process.hpp"
#include "support/temp_dir.hpp"

using namespace powerml;
using namespace powerml::carbon;

TEST(FallbackChainTest, LiveThenCacheThenEmbedded) {
    test::LocalServer srv;
    std::atomic<bool> down{false};
    srv.server.Get(R"(/intensity/([^/]+)/([^/]+))", [&](const httplib::Request&, httplib::Response& res) {
        if (down) {
            res.status = 503;
            return;
        }
        res.set_content(R"({"data":[{"from":"2024-01-10T00:00Z","to":"2024-01-10T00:30Z","intensity":{"forecast":1,"actual":150}},
          {"from":"2024-01-10T00:30Z","to":"2024-01-10T01:00Z","intensity":{"forecast":1,"actual":160}}]})",
                        "application/json");
    });
    srv.start();
    test::TempDir dir;
    Config config;
    config.set_flag("provider.ukgrid.base_url", srv.url());
    config.set_flag("carbon.cache_path", (dir.path() / "cache.sqlite").string());
    config.set_flag("carbon.cache_ttl_s", "0");
    config.set_flag("carbon.http_retries", "0");
    const UtcMillis from = parse_rfc3339("2024-01-10T00:00:00Z"), to = from + 3'600'000;

    const auto live = fetch_series("ukgrid", "GB", from, to, config);
    EXPECT_EQ(live.answered_by, "live");
    ASSERT_EQ(live.points.size(), 2u);
    EXPECT_DOUBLE_EQ(live.points[1].g_per_kwh, 160.0);

    down = true;
    const auto cached = fetch_series("ukgrid", "GB", from, to, config);
    EXPECT_EQ(cached.answered_by, "cache");
    EXPECT_DOUBLE_EQ(cached.points[1].g_per_kwh, 160.0);
    EXPECT_NE(cached.note.find("HTTP 503"), std::string::npos) << cached.note;

    // Another range is not in the cache: the embedded GB data answers.
    const auto embedded = fetch_series("ukgrid", "GB", from + 86'400'000, to + 86'400'000, config);
    EXPECT_EQ(embedded.answered_by, "embedded");
    EXPECT_EQ(embedded.points.size(), 1u);
    EXPECT_NE(embedded.note.find("no cached answer"), std::string::npos) << embedded.note;

    config.set_flag("carbon.fallback", "live");
    EXPECT_THROW(fetch_series("ukgrid", "GB", from + 86'400'000, to + 86'400'000, config), Error);
    config.set_flag("carbon.fallback", "live,nonsense");
    EXPECT_THROW(fetch_series("ukgrid", "GB", from, to, config), Error);
}

TEST(RunCarbonTest, TimeResolvedWithPueAndYearlyFallback) {
    Config config;
    // Two pieces of 3.6 MJ (1 kWh) at CY 2023-01-01 00:00 (1063.32) and 01:00 (1075.49), PUE 1.5.
    const UtcMillis t = parse_rfc3339("2023-01-01T00:10:00Z");
    const auto r = run_carbon("CY", "embedded", {{t, 3.6e6}, {t + 3'600'000, 3.6e6}}, 1.5, config);
    EXPECT_NEAR(r.g_co2e, 1.5 * (1063.32 + 1075.49), 1e-6);
    EXPECT_TRUE(r.time_resolved);
    EXPECT_NE(r.intensity_source.find("Electricity Maps"), std::string::npos);

    const auto se = run_carbon("SE", "embedded", {{t, 3.6e6}}, 1.0, config);
    EXPECT_NEAR(se.g_co2e, 21.0, 1e-9);  // SE yearly 2025: 21 g/kWh
    EXPECT_FALSE(se.time_resolved);
    EXPECT_NE(se.intensity_source.find("yearly average"), std::string::npos) << se.intensity_source;

    const auto avg = yearly_average("SE");
    EXPECT_EQ(avg.year, 2025);
    EXPECT_DOUBLE_EQ(avg.g_per_kwh, 21.0);
    try {
        run_carbon("Narnia", "embedded", {{t, 1.0}}, 1.0, config);
        FAIL();
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("Narnia"), std::string::npos);
        EXPECT_NE(std::string(e.what()).find("powerml zones"), std::string::npos);
    }
    EXPECT_THROW(run_carbon("CY", "embedded", {{t, 1.0}}, 0.5, config), Error);
}

TEST(IntensityCliTest, JsonContractAndEstimatedTextNote) {
    const auto r = test::run_powerml({"intensity", "--zone", "CY", "--from", "2023-06-15T10:00:00+02:00", "--to",
                                      "2023-06-15T11:00:00Z", "--format", "json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["zone"], "CY");
    EXPECT_EQ(j["unit"], "gCO2eq/kWh");
    EXPECT_EQ(j["signal"], "average");
    EXPECT_EQ(j["source"], "embedded");
    ASSERT_EQ(j["points"].size(), 3u);
    EXPECT_EQ(j["points"][0]["time"], "2023-06-15T08:00:00Z");
    EXPECT_EQ(j["points"][0]["kind"], "measured");
    EXPECT_DOUBLE_EQ(j["points"][0]["duration_s"].get<double>(), 3600.0);

    const auto future = test::run_powerml({"intensity", "--zone", "GB", "--from", "2031-01-01", "--to", "2031-01-01T02:00:00Z"});
    ASSERT_EQ(future.exit_code, 0) << future.err;
    EXPECT_NE(future.out.find("ESTIMATED"), std::string::npos) << future.out;

    const auto unknown = test::run_powerml({"intensity", "--zone", "Narnia", "--from", "2023-01-01", "--to", "2023-01-02"});
    EXPECT_EQ(unknown.exit_code, 1);
    EXPECT_NE(unknown.err.find("powerml zones"), std::string::npos);

    const auto zones = test::run_powerml({"zones", "--format", "json"});
    ASSERT_EQ(zones.exit_code, 0);
    const auto zj = nlohmann::json::parse(zones.out);
    EXPECT_GT(zj["zones"].size(), 300u);
    const auto lic = test::run_powerml({"zones", "--licences"});
    EXPECT_NE(lic.out.find("ODbL"), std::string::npos);
}
