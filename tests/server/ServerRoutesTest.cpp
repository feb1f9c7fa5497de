// Every route of `powerml serve` over real HTTP on 127.0.0.1: the answers, and the 4xx for
// malformed parameters, oversized bodies, unknown locations and a missing token.
#include "powerml/server/server.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "powerml/carbon/sources.hpp"
#include "powerml/core/error.hpp"
#include "server/scripted_sensor.hpp"
#include "support/run_process.hpp"
#include "support/temp_dir.hpp"

using namespace powerml;
using nlohmann::json;

namespace {

class ServerRoutesTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        s_dir = new test::TempDir();
        // One real measured run in a run store of our own, for /v1/runs.
        const auto r = test::run_powerml({"measure", "-q", "--db", (s_dir->path() / "runs.sqlite").string(), "--", "true"},
                                         {{"XDG_DATA_HOME", (s_dir->path() / "xdg").string()}});
        ASSERT_EQ(r.exit_code, 0) << r.err;
        server::ServerOptions o;
        o.port = 0;
        o.zone = "CY";
        o.run_db = s_dir->path() / "runs.sqlite";
        o.max_body_bytes = 4096;
        o.version = "test";
        s_server = new server::Server(std::move(o), test::scripted_live_power());
        s_port = s_server->start();
    }
    static void TearDownTestSuite() {
        delete s_server;
        delete s_dir;
    }

    static httplib::Client client() {
        httplib::Client c("127.0.0.1", s_port);
        c.set_read_timeout(10, 0);
        return c;
    }
    static json get_json(const std::string& path, int expect_status) {
        auto c = client();
        auto res = c.Get(path.c_str());
        EXPECT_TRUE(res) << path;
        if (!res) return {};
        EXPECT_EQ(res->status, expect_status) << path << ": " << res->body;
        return json::parse(res->body, nullptr, false);
    }
    // The series the data layer gives for CY, to check the routes' numbers against.
    static carbon::IntensitySeries cy(UtcMillis from, UtcMillis to) {
        return carbon::fetch_series("embedded", "CY", from, to, Config{});
    }

    static test::TempDir* s_dir;
    static server::Server* s_server;
    static int s_port;
};

test::TempDir* ServerRoutesTest::s_dir = nullptr;
server::Server* ServerRoutesTest::s_server = nullptr;
int ServerRoutesTest::s_port = 0;

constexpr const char* k_noon = "2023-06-01T12:00:00Z";

// A 400 naming `field` in errors, with a message containing `words`.
void expect_field_error(const json& j, const std::string& field, const std::string& words) {
    ASSERT_TRUE(j.is_object()) << j;
    EXPECT_EQ(j["status"], 400);
    EXPECT_EQ(j["type"], "https://tools.ietf.org/html/rfc7231#section-6.5.1");
    ASSERT_TRUE(j["errors"].contains(field)) << j.dump();
    EXPECT_NE(j["errors"][field][0].get<std::string>().find(words), std::string::npos) << j.dump();
}

TEST_F(ServerRoutesTest, HealthzOpenapiAndLocations) {
    EXPECT_EQ(get_json("/healthz", 200)["status"], "ok");
    const json api = get_json("/openapi.json", 200);
    EXPECT_EQ(api["openapi"], "3.0.3");
    for (const char* p : {"/emissions/bylocation", "/emissions/bylocations", "/emissions/bylocations/best", "/emissions/forecasts/current",
                          "/emissions/forecasts/batch", "/emissions/average-carbon-intensity",
                          "/emissions/average-carbon-intensity/batch", "/locations", "/v1/intensity", "/v1/plan", "/v1/runs",
                          "/v1/runs/{id}", "/metrics", "/healthz", "/health"})
        EXPECT_TRUE(api["paths"].contains(p)) << p;
    const json loc = get_json("/locations", 200);
    EXPECT_EQ(loc["CY"]["resolution"], "hourly");
    EXPECT_GT(loc.size(), 100u);
}

TEST_F(ServerRoutesTest, ByLocationGivesTheDataLayersValueInSdkShape) {
    const UtcMillis t = parse_rfc3339(k_noon);
    const json j = get_json(std::string("/emissions/bylocation?location=CY&time=") + k_noon, 200);
    ASSERT_EQ(j.size(), 1u) << j;
    EXPECT_EQ(j[0]["location"], "CY");
    EXPECT_EQ(j[0]["time"], k_noon);
    EXPECT_EQ(j[0]["duration"], "01:00:00");
    EXPECT_DOUBLE_EQ(j[0]["rating"].get<double>(), *cy(t, t + 3'600'000).value_at(t));

    const json three = get_json("/emissions/bylocation?location=CY&time=2023-06-01T12:00:00Z&toTime=2023-06-01T15:00:00Z", 200);
    EXPECT_EQ(three.size(), 4u);  // 12, 13, 14 and 15:00: the SDK's interval includes a point starting at toTime
    // bylocation takes one location only.
    expect_field_error(get_json("/emissions/bylocation?location=CY,DE", 400), "location", "at most 1");
}

TEST_F(ServerRoutesTest, ByLocationsAcceptsBothSpellingsAndBestPicksTheLowest) {
    const json j = get_json("/emissions/bylocations?location=CY&locations=DE&time=2023-06-01T12:00:00Z", 200);
    ASSERT_EQ(j.size(), 2u);
    EXPECT_EQ(j[0]["location"], "CY");
    EXPECT_EQ(j[1]["location"], "DE");
    const json best = get_json("/emissions/bylocations/best?locations=CY,DE&time=2023-06-01T12:00:00Z", 200);
    ASSERT_EQ(best.size(), 1u);
    const double lowest = std::min(j[0]["rating"].get<double>(), j[1]["rating"].get<double>());
    EXPECT_DOUBLE_EQ(best[0]["rating"].get<double>(), lowest);
}

// best over a range answers exactly the entries of bylocations that have the lowest rating,
// ties included, in the same order and with the same fields (fill=estimated adds two).
TEST_F(ServerRoutesTest, BestOverARangeIsEveryLowestEntryOfByLocations) {
    for (const std::string extra : {"", "&fill=estimated"}) {
        const std::string query = "?locations=CY,DE,FR&time=2023-06-01T00:00:00Z&toTime=2023-06-03T00:00:00Z" + extra;
        const json all = get_json("/emissions/bylocations" + query, 200);
        ASSERT_GT(all.size(), 100u);
        double lowest = INFINITY;
        for (const json& e : all) lowest = std::min(lowest, e["rating"].get<double>());
        json expected = json::array();
        for (const json& e : all)
            if (e["rating"].get<double>() == lowest) expected.push_back(e);
        EXPECT_EQ(get_json("/emissions/bylocations/best" + query, 200), expected) << extra;
    }
}

TEST_F(ServerRoutesTest, ForecastOptimalWindowIsTheMinimumRollingAverage) {
    const std::string from = "2023-06-01T00:00:00Z", to = "2023-06-02T00:00:00Z";
    const json j = get_json("/emissions/forecasts/current?location=CY&dataStartAt=" + from + "&dataEndAt=" + to + "&windowSize=120", 200);
    ASSERT_EQ(j.size(), 1u);
    const json& f = j[0];
    EXPECT_EQ(f["windowSize"], 120);
    EXPECT_EQ(f["dataStartAt"], from);
    ASSERT_EQ(f["forecastData"].size(), 23u);  // 2-hour windows starting 00:00 .. 22:00
    // Independent check: the mean of each pair of hours from the data layer.
    const auto s = cy(parse_rfc3339(from), parse_rfc3339(to));
    double best = 1e9;
    UtcMillis best_t = 0;
    for (UtcMillis t = parse_rfc3339(from); t + 7'200'000 <= parse_rfc3339(to); t += 3'600'000) {
        const double mean = (*s.value_at(t) + *s.value_at(t + 3'600'000)) / 2;
        if (mean < best) best = mean, best_t = t;
    }
    ASSERT_EQ(f["optimalDataPoints"].size(), 1u);
    EXPECT_NEAR(f["optimalDataPoints"][0]["value"].get<double>(), best, 1e-9);
    EXPECT_EQ(f["optimalDataPoints"][0]["timestamp"], format_rfc3339(best_t));
    EXPECT_EQ(f["optimalDataPoints"][0]["duration"], 120);

    expect_field_error(get_json("/emissions/forecasts/current?location=CY&windowSize=abc", 400), "windowSize", "whole number");
    // windowSize 0 is the SDK's "no window" (the points themselves); below 0 is refused.
    expect_field_error(get_json("/emissions/forecasts/current?location=CY&windowSize=-1", 400), "windowSize", "between");
    expect_field_error(get_json("/emissions/forecasts/current?location=CY&dataStartAt=" + from + "&dataEndAt=" + from, 400),
                       "dataStartAt", "must be earlier than dataEndAt");
    // A window longer than the range is not an error: as in the SDK, the first window is kept
    // when the data (which hold the point starting at dataEndAt) reach its end.
    EXPECT_EQ(get_json("/emissions/forecasts/current?location=CY&dataStartAt=2023-06-01T00:00:00Z&dataEndAt=2023-06-01T01:00:00Z&windowSize=120", 200)[0]["forecastData"].size(), 1u);
    expect_field_error(get_json("/emissions/forecasts/current?location=CY&dataStartAt=2023-06-01T00:00:00Z&dataEndAt=2024-06-01T00:00:00Z", 400),
                       "dataEndAt", "longer than this server allows");
}

TEST_F(ServerRoutesTest, AverageMatchesTheMeanOfTheHours) {
    const json j = get_json("/emissions/average-carbon-intensity?location=CY&startTime=2023-06-01T10:00:00Z&endTime=2023-06-01T13:00:00Z", 200);
    const auto s = cy(parse_rfc3339("2023-06-01T10:00:00Z"), parse_rfc3339("2023-06-01T13:00:00Z"));
    const UtcMillis t = parse_rfc3339("2023-06-01T10:00:00Z");
    const double mean = (*s.value_at(t) + *s.value_at(t + 3'600'000) + *s.value_at(t + 7'200'000)) / 3;
    EXPECT_NEAR(j["carbonIntensity"].get<double>(), mean, 1e-9);
    EXPECT_EQ(j["location"], "CY");
    expect_field_error(get_json("/emissions/average-carbon-intensity?location=CY&endTime=2023-06-01T13:00:00Z", 400), "startTime",
                       "required");
}

TEST_F(ServerRoutesTest, MalformedParametersAndUnknownLocations) {
    expect_field_error(get_json("/emissions/bylocation?location=CY&time=yesterday", 400), "time", "RFC 3339");
    expect_field_error(get_json("/emissions/bylocation", 400), "location", "required");
    expect_field_error(get_json("/emissions/bylocation?location=", 400), "location", "empty");
    expect_field_error(get_json("/emissions/bylocation?location=CY%3Bdrop", 400), "location", "character");
    expect_field_error(get_json("/emissions/bylocations?location=ATLANTIS&time=2023-06-01T12:00:00Z", 400), "location",
                       "unknown location 'ATLANTIS'");
    expect_field_error(get_json("/emissions/bylocation?location=CY&time=a&time=b", 400), "time", "more than once");
    const json unknown_route = get_json("/emissions/nowhere", 404);
    EXPECT_NE(unknown_route["detail"].get<std::string>().find("/openapi.json"), std::string::npos);
    auto c = client();
    const auto long_uri = c.Get(("/emissions/bylocation?location=" + std::string(9000, 'A')).c_str());
    ASSERT_TRUE(long_uri);
    EXPECT_EQ(long_uri->status, 414);
    EXPECT_EQ(json::parse(long_uri->body)["status"], 414);
}

TEST_F(ServerRoutesTest, BatchRoutesAndTheirBodies) {
    auto c = client();
    const std::string body = R"([{"location":"CY","requestedAt":"2023-06-01T00:00:00Z","dataStartAt":"2023-06-01T00:00:00Z","dataEndAt":"2023-06-01T06:00:00Z","windowSize":60},
                                 {"location":"DE","requestedAt":"2023-06-01T00:00:00Z","dataStartAt":"2023-06-01T00:00:00Z","dataEndAt":"2023-06-01T06:00:00Z"}])";
    auto res = c.Post("/emissions/forecasts/batch", body, "application/json");
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 200) << res->body;
    const json j = json::parse(res->body);
    ASSERT_EQ(j.size(), 2u);
    EXPECT_EQ(j[0]["forecastData"].size(), 6u);
    // requestedAt in the past: the built-in forecaster as of then, stamped with that time.
    EXPECT_EQ(j[1]["generatedAt"], "2023-06-01T00:00:00Z");
    EXPECT_TRUE(j[1]["powerml"].contains("forecaster")) << "PowerML's own forecaster is labelled";
    // No windowSize: the points themselves, 00:00 through 06:00 (the SDK's interval includes the end).
    EXPECT_EQ(j[1]["forecastData"].size(), 7u);
    EXPECT_EQ(j[1]["windowSize"], 0);

    res = c.Post("/emissions/average-carbon-intensity/batch",
                 R"([{"location":"CY","startTime":"2023-06-01T10:00:00Z","endTime":"2023-06-01T11:00:00Z"}])", "application/json");
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 200) << res->body;
    EXPECT_EQ(json::parse(res->body)[0]["location"], "CY");

    res = c.Post("/emissions/forecasts/batch", "[{\"location\":", "application/json");
    expect_field_error(json::parse(res->body), "body", "not valid JSON");
    res = c.Post("/emissions/forecasts/batch", R"([{"dataStartAt":"2023-06-01T00:00:00Z"}])", "application/json");
    expect_field_error(json::parse(res->body), "[0].location", "required");
    res = c.Post("/emissions/average-carbon-intensity/batch", R"([{"location":"CY","startTime":"soon","endTime":"later"}])", "application/json");
    expect_field_error(json::parse(res->body), "[0].startTime", "RFC 3339");
    res = c.Post("/emissions/forecasts/batch", R"({"location":"CY"})", "application/json");
    expect_field_error(json::parse(res->body), "body", "array");
    res = c.Post("/emissions/forecasts/batch", "location=CY", "application/x-www-form-urlencoded");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 415);
    // Larger than --max-body (4096 here): refused before the handler runs.
    res = c.Post("/emissions/forecasts/batch", std::string(10000, ' '), "application/json");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 413);
    EXPECT_NE(json::parse(res->body)["detail"].get<std::string>().find("larger than"), std::string::npos);
}

TEST_F(ServerRoutesTest, SdkHealthLooseDatesAndNoContent) {
    auto c = client();
    // The SDK maps GET /health (ASP.NET health checks): 200.
    auto health = c.Get("/health");
    ASSERT_TRUE(health);
    EXPECT_EQ(health->status, 200);
    EXPECT_EQ(health->body, "Healthy");
    // Its integration tests write dates as 2022-1-1T04:05:06Z in query strings.
    const json loose = get_json("/emissions/bylocation?location=CY&time=2023-6-1T12:00:00Z", 200);
    ASSERT_EQ(loose.size(), 1u);
    EXPECT_EQ(loose[0]["time"], k_noon);
    // No data in the range (2019 is before CY's shipped year): 204 No Content, as the SDK.
    auto empty = c.Get("/emissions/bylocation?location=CY&time=2019-06-01T12:00:00Z");
    ASSERT_TRUE(empty);
    EXPECT_EQ(empty->status, 204) << empty->body;
    EXPECT_TRUE(empty->body.empty());
    auto best = c.Get("/emissions/bylocations/best?location=CY&time=2019-06-01T12:00:00Z");
    ASSERT_TRUE(best);
    EXPECT_EQ(best->status, 204);
    // ... and a forecast over it is a 400, not a made-up point; fill=estimated gives the labelled estimate.
    expect_field_error(get_json("/emissions/forecasts/current?location=CY&dataStartAt=2019-06-01T00:00:00Z&dataEndAt=2019-06-01T06:00:00Z", 400),
                       "dataStartAt", "no forecast data");
    const json filled = get_json("/emissions/forecasts/current?location=CY&dataStartAt=2019-06-01T00:00:00Z&dataEndAt=2019-06-01T06:00:00Z&fill=estimated", 200);
    EXPECT_EQ(filled[0]["powerml"]["filledPoints"], 7);
    // SDK location names: its Azure keys, and the azure: form http-api.md promises.
    // (fill=estimated: whether 2023 is in the shipped data for their zones does not matter here.)
    EXPECT_EQ(get_json(std::string("/emissions/bylocation?fill=estimated&location=westeurope&time=") + k_noon, 200)[0]["location"], "westeurope");
    EXPECT_EQ(get_json(std::string("/emissions/bylocation?fill=estimated&location=azure:westeurope&time=") + k_noon, 200).size(), 1u);
    EXPECT_EQ(get_json(std::string("/emissions/bylocation?fill=estimated&location=eastus&time=") + k_noon, 200).size(), 1u);
    expect_field_error(get_json(std::string("/emissions/bylocation?location=atlantis-north&time=") + k_noon, 400), "location", "unknown location");
}

TEST_F(ServerRoutesTest, MetricsPassPromtoolCheckMetrics) {
    // Debian's prometheus package ships promtool; without it the test says so and is skipped.
    const char* promtool = "/usr/bin/promtool";
    if (::access(promtool, X_OK) != 0) GTEST_SKIP() << "promtool is not installed (Debian package prometheus): /metrics NOT checked";
    auto c = client();
    auto res = c.Get("/metrics");
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 200);
    const auto r = test::run_process({promtool, "check", "metrics"}, {}, res->body);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err << "\n" << res->body;
    EXPECT_EQ(res->body.find("counter_wraps"), std::string::npos) << "renamed to powerml_sampler_wraparounds_total";
    EXPECT_NE(res->body.find("powerml_sampler_wraparounds_total"), std::string::npos);
}

TEST_F(ServerRoutesTest, IntensityAndRunsRoutes) {
    const json s = get_json("/v1/intensity?zone=CY&from=2023-06-01T00:00:00Z&to=2023-06-01T03:00:00Z", 200);
    EXPECT_EQ(s["unit"], "gCO2eq/kWh");
    EXPECT_EQ(s["points"].size(), 3u);
    expect_field_error(get_json("/v1/intensity", 400), "zone", "required");
    expect_field_error(get_json("/v1/intensity?zone=ATLANTIS", 400), "zone", "unknown zone");

    const json runs = get_json("/v1/runs", 200);
    ASSERT_EQ(runs.size(), 1u);
    const std::string id = runs[0]["id"];
    const json run = get_json("/v1/runs/" + id, 200);
    EXPECT_EQ(run["id"], id);
    EXPECT_EQ(run["summary"]["schema"], "powerml.run/1");
    EXPECT_EQ(get_json("/v1/runs/" + id.substr(0, 10), 200)["id"], id);  // a unique prefix
    EXPECT_EQ(get_json("/v1/runs/20990101T000000Z-0000", 404)["status"], 404);
    expect_field_error(get_json("/v1/runs/bad%20id", 400), "id", "letters, digits");
    EXPECT_EQ(get_json("/v1/runs/..%2F..%2Fetc", 404)["status"], 404);  // decoded to another path: no such route
    expect_field_error(get_json("/v1/runs?limit=0", 400), "limit", "between");
}

TEST_F(ServerRoutesTest, MetricsExposeEnergyPowerIntensityAndEmissions) {
    auto c = client();
    auto res = c.Get("/metrics");
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 200);
    EXPECT_EQ(res->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
    const std::string& m = res->body;
    for (const char* needle :
         {"# TYPE powerml_energy_joules_total counter", "# TYPE powerml_power_watts gauge", "# TYPE powerml_node_energy_joules_total counter",
          "powerml_energy_joules_total{component=\"cpu\",source=\"scripted\",domain=\"package-0\",kind=\"counter\",summed=\"true\"}",
          "# TYPE powerml_grid_intensity_grams_per_kwh gauge", "powerml_grid_intensity_grams_per_kwh{zone=\"CY\",source=\"embedded\"",
          "# TYPE powerml_node_emissions_grams_total counter", "powerml_sampler_samples_total "})
        EXPECT_NE(m.find(needle), std::string::npos) << needle << "\n" << m;
}

constexpr const char* k_job = R"([job]
name = "cnn-mec"
duration = "5h"
power_w = 306
earliest_start = "2023-06-15T06:00:00Z"
deadline = "2023-06-16T09:00:00Z"

[[site]]
name = "nicosia-mec"
zone = "CY"
current = true
jurisdiction = "EU"

[[site]]
name = "germany"
zone = "DE"
jurisdiction = "EU"
)";

TEST_F(ServerRoutesTest, PlanGivesTheSameAnswerAsPowermlPlanForTomlAndJson) {
    s_dir->write("job.toml", k_job);
    const auto cli = test::run_powerml({"plan", "--job", (s_dir->path() / "job.toml").string(), "--format", "json"});
    ASSERT_EQ(cli.exit_code, 0) << cli.err;
    const json expected = json::parse(cli.out);
    auto c = client();
    auto res = c.Post("/v1/plan", k_job, "application/toml");
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 200) << res->body;
    EXPECT_EQ(json::parse(res->body), expected);
    EXPECT_EQ(expected["best"]["site"].is_string(), true);
    // Asked again: the kept answer (the same job and series), the same bytes.
    const std::string first = res->body;
    res = c.Post("/v1/plan", k_job, "application/toml");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->body, first);

    const json as_json = {{"job", {{"name", "cnn-mec"}, {"duration", "5h"}, {"power_w", 306}, {"earliest_start", "2023-06-15T06:00:00Z"},
                                   {"deadline", "2023-06-16T09:00:00Z"}}},
                          {"site", json::array({{{"name", "nicosia-mec"}, {"zone", "CY"}, {"current", true}, {"jurisdiction", "EU"}},
                                                {{"name", "germany"}, {"zone", "DE"}, {"jurisdiction", "EU"}}})}};
    res = c.Post("/v1/plan", as_json.dump(), "application/json");
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 200) << res->body;
    EXPECT_EQ(json::parse(res->body), expected);

    res = c.Post("/v1/plan?emit=slurm", k_job, "application/toml");
    ASSERT_TRUE(res);
    EXPECT_NE(res->body.find("TZ=UTC sbatch --begin=2023-06-"), std::string::npos) << res->body;
}

TEST_F(ServerRoutesTest, PlanRefusesRunPathsAndNamesBadFields) {
    auto c = client();
    std::string with_run = k_job;
    with_run.replace(with_run.find("power_w = 306"), 13, "run = \"/etc\"");
    auto res = c.Post("/v1/plan", with_run, "application/toml");
    expect_field_error(json::parse(res->body), "job.run", "not accepted over HTTP");
    std::string bad_power = k_job;
    bad_power.replace(bad_power.find("power_w = 306"), 13, "power_w = -3");
    res = c.Post("/v1/plan", bad_power, "application/toml");
    expect_field_error(json::parse(res->body), "job", "power_w");
    res = c.Post("/v1/plan", "[job\nname=", "application/toml");
    expect_field_error(json::parse(res->body), "body", "not a TOML job file");
    res = c.Post("/v1/plan", "", "application/toml");
    expect_field_error(json::parse(res->body), "body", "send the job file");
    res = c.Post("/v1/plan?emit=pbs", k_job, "application/toml");
    expect_field_error(json::parse(res->body), "emit", "slurm or kubernetes");
}

TEST(ServerSafetyTest, TokenIsRequiredOffLoopbackAndCheckedOnEveryRouteButHealthz) {
    server::ServerOptions open;
    open.host = "0.0.0.0";
    open.port = 0;
    try {
        server::Server s(open, nullptr);
        FAIL() << "a server on 0.0.0.0 without a token must refuse to start";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("without a token"), std::string::npos) << e.what();
    }
    open.token = "short";
    EXPECT_THROW(server::Server(open, nullptr), Error);

    server::ServerOptions o;
    o.port = 0;
    o.token = "0123456789abcdef0123";
    server::Server s(o, nullptr);
    const int port = s.start();
    httplib::Client c("127.0.0.1", port);
    auto res = c.Get("/locations");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 401);
    EXPECT_EQ(res->get_header_value("WWW-Authenticate"), "Bearer realm=\"powerml\"");
    EXPECT_NE(json::parse(res->body)["detail"].get<std::string>().find("Authorization: Bearer"), std::string::npos);
    res = c.Get("/locations", {{"Authorization", "Bearer 0123456789abcdef0124"}});
    EXPECT_EQ(res->status, 401);
    res = c.Get("/locations", {{"Authorization", "Bearer 0123456789abcdef0123"}});
    EXPECT_EQ(res->status, 200);
    res = c.Get("/healthz");
    EXPECT_EQ(res->status, 200);
    // No live sampler: /metrics says so instead of an empty page.
    res = c.Get("/metrics", {{"Authorization", "Bearer 0123456789abcdef0123"}});
    EXPECT_EQ(res->status, 503);
}

}  // namespace
