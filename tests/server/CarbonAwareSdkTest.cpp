// The Carbon Aware SDK routes against what the SDK's own source and tests specify
// (Green-Software-Foundation/carbon-aware-sdk: EmissionsDataExtensions.RollingAverage,
// IntervalHelper.FilterByDuration, EmissionsForecast.Validate, CarbonAwareParameters,
// EmissionsForecastDTO, CarbonAwareControllerTests), on a series whose every number is known:
// two days of hourly data, 100 + 10 x hour, and filled-in points (999) outside them.
#include "powerml/server/carbon_aware_api.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "powerml/server/http_error.hpp"
#include "powerml/server/window_average.hpp"

using namespace powerml;
using nlohmann::json;

namespace {

constexpr UtcMillis k_h = 3'600'000;
const UtcMillis k_t0 = parse_rfc3339("2024-01-01T00:00:00Z");  // first hour of the data
constexpr int k_hours = 48;

double value_at_hour(long h) { return 100.0 + 10.0 * static_cast<double>(h); }

carbon::IntensitySeries synthetic(UtcMillis from, UtcMillis to) {
    carbon::IntensitySeries s;
    s.zone = "XX";
    s.provider = "test";
    s.note = "test fill";
    for (UtcMillis t = (from / k_h) * k_h; t < to; t += k_h) {
        const long h = static_cast<long>((t - k_t0) / k_h);
        if (h >= 0 && h < k_hours) s.points.push_back({t, 3600, value_at_hour(h), carbon::PointKind::measured});
        else s.points.push_back({t, 3600, 999, carbon::PointKind::estimated, true});
    }
    return s;
}

class CarbonAwareSdkTest : public ::testing::Test {
protected:
    server::SeriesCache cache{[](const std::string&, UtcMillis a, UtcMillis b) { return synthetic(a, b); }, 60, 64};
    server::CarbonAwareApi api{cache, [](const std::string& l) { return l == "XX"; }, server::CarbonAwareApi::Limits{},
                               [] { return k_t0 + 6 * k_h; }};

    static server::QueryParams q(std::multimap<std::string, std::string> p) { return server::QueryParams(std::move(p)); }
    static std::string at(double hours) { return format_rfc3339(k_t0 + static_cast<UtcMillis>(hours * k_h)); }

    // The 400's field and message, or "no error".
    template <typename F>
    static std::string error_of(F f) {
        try {
            f();
        } catch (const server::HttpError& e) {
            const json j = e.to_json();
            return std::to_string(e.status()) + " " + (j.contains("errors") ? j["errors"].dump() : e.detail());
        }
        return "no error";
    }
};

TEST_F(CarbonAwareSdkTest, RollingWindowsStartAtDataStartAtAndStepByOneDataPoint) {
    // dataStartAt mid-hour: the SDK's windows are 00:30-01:30, 01:30-02:30, 02:30-03:30 (the
    // next would end at 04:30, after dataEndAt). Starting a window at each point instead
    // gives 00:30, 01:00, 02:00, 03:00 and a different optimum.
    const json j = api.forecasts_current(q({{"location", "XX"}, {"dataStartAt", at(0.5)}, {"dataEndAt", at(4)}, {"windowSize", "60"}}));
    const json& f = j[0]["forecastData"];
    ASSERT_EQ(f.size(), 3u) << j.dump();
    EXPECT_EQ(f[0]["timestamp"], at(0.5));
    EXPECT_EQ(f[1]["timestamp"], at(1.5));
    EXPECT_EQ(f[2]["timestamp"], at(2.5));
    EXPECT_DOUBLE_EQ(f[0]["value"].get<double>(), (value_at_hour(0) + value_at_hour(1)) / 2);  // half of each hour
    EXPECT_DOUBLE_EQ(f[2]["value"].get<double>(), (value_at_hour(2) + value_at_hour(3)) / 2);
    EXPECT_EQ(f[0]["duration"], 60);
    ASSERT_EQ(j[0]["optimalDataPoints"].size(), 1u);
    EXPECT_EQ(j[0]["optimalDataPoints"][0]["timestamp"], at(0.5));
}

TEST_F(CarbonAwareSdkTest, WindowAveragerRollsLikeTheSdk) {
    // The SDK's own example (RollingAverage remarks): 5-minute points [10, 20, 30, 40, 5] and a
    // 10-minute window give [15, 25, 35, 22.5].
    carbon::IntensitySeries s;
    const std::vector<double> v = {10, 20, 30, 40, 5};
    for (std::size_t i = 0; i < v.size(); ++i) s.points.push_back({static_cast<UtcMillis>(i) * 300'000, 300, v[i]});
    const auto w = server::WindowAverager(s).rolling(0, 1'500'000, 600'000);
    ASSERT_EQ(w.size(), 4u);
    EXPECT_DOUBLE_EQ(w[0].g_per_kwh, 15);
    EXPECT_DOUBLE_EQ(w[1].g_per_kwh, 25);
    EXPECT_DOUBLE_EQ(w[2].g_per_kwh, 35);
    EXPECT_DOUBLE_EQ(w[3].g_per_kwh, 22.5);
    EXPECT_EQ(w[3].start, 900'000);
    // From mid-point: windows at 2.5, 7.5, 12.5 min (the next would end at 27.5 > 25).
    const auto mid = server::WindowAverager(s).rolling(150'000, 1'500'000, 600'000);
    ASSERT_EQ(mid.size(), 3u);
    EXPECT_EQ(mid[1].start, 450'000);
    EXPECT_DOUBLE_EQ(mid[0].g_per_kwh, (10 * 2.5 + 20 * 5 + 30 * 2.5) / 10);
}

TEST_F(CarbonAwareSdkTest, IntervalIncludesThePointStartingExactlyAtTheEnd) {
    // FilterByDuration: end > start && time <= endTime. 01:00..03:00 holds the 01, 02 and 03 points.
    const json j = api.emissions_by_location(q({{"location", "XX"}, {"time", at(1)}, {"toTime", at(3)}}));
    ASSERT_EQ(j.size(), 3u) << j.dump();
    EXPECT_EQ(j[2]["time"], at(3));
    EXPECT_DOUBLE_EQ(j[2]["rating"].get<double>(), value_at_hour(3));
    // Only `time`: the point in force then.
    const json one = api.emissions_by_location(q({{"location", "XX"}, {"time", at(1.5)}}));
    ASSERT_EQ(one.size(), 1u);
    EXPECT_EQ(one[0]["time"], at(1));
    // Without windowSize a forecast returns the scoped points: 00:00..06:00 is 7 of them.
    const json f = api.forecasts_current(q({{"location", "XX"}, {"dataStartAt", at(0)}, {"dataEndAt", at(6)}}));
    EXPECT_EQ(f[0]["forecastData"].size(), 7u);
}

TEST_F(CarbonAwareSdkTest, LooselyWrittenQueryDatesAreAcceptedAndBodiesStayStrict) {
    // The SDK's integration tests send "2022-1-1T04:05:06Z" in query strings and get 200.
    EXPECT_EQ(server::CarbonAwareApi::sdk_query_time("time", "2022-1-1T04:05:06Z"), parse_rfc3339("2022-01-01T04:05:06Z"));
    EXPECT_EQ(server::CarbonAwareApi::sdk_query_time("time", "2024-1-1T1:00:00Z"), k_t0 + k_h);
    // A '+' offset that arrived as a space (not percent-encoded by the client).
    EXPECT_EQ(server::CarbonAwareApi::sdk_query_time("time", "2021-12-25T00:00:00 06:00"),
              parse_rfc3339("2021-12-24T18:00:00Z"));
    EXPECT_NE(error_of([] { server::CarbonAwareApi::sdk_query_time("time", "yesterday"); }).find("400"), std::string::npos);
    const json j = api.emissions_by_location(q({{"location", "XX"}, {"time", "2024-1-1T2:00:00Z"}}));
    ASSERT_EQ(j.size(), 1u);
    EXPECT_DOUBLE_EQ(j[0]["rating"].get<double>(), value_at_hour(2));
    // In a JSON body the SDK reads ISO 8601 strictly: "2021-9-1T08:30:00Z" is its 400 test case.
    const json body = json::parse(R"([{"location":"XX","requestedAt":"2021-9-1T08:30:00Z"}])");
    EXPECT_NE(error_of([&] { api.forecasts_batch(body); }).find("[0].requestedAt"), std::string::npos);
}

TEST_F(CarbonAwareSdkTest, ForecastRangeOutsideTheDataIs400AndFillOnlyWhenAsked) {
    // EmissionsForecast.Validate: dataStartAt/dataEndAt outside the data's range are a 400.
    const auto before = error_of([&] {
        api.forecasts_current(q({{"location", "XX"}, {"dataStartAt", at(-24 * 365 * 5)}, {"dataEndAt", at(-24 * 365 * 5 + 6)}}));
    });
    EXPECT_NE(before.find("400"), std::string::npos) << before;
    EXPECT_NE(before.find("dataStartAt"), std::string::npos) << before;
    const auto straddle = error_of(
        [&] { api.forecasts_current(q({{"location", "XX"}, {"dataStartAt", at(40)}, {"dataEndAt", at(50)}})); });
    EXPECT_NE(straddle.find("dataEndAt must be within time range of the forecasted data"), std::string::npos) << straddle;
    // PowerML's typical-profile fill only when asked, and labelled.
    const json filled = api.forecasts_current(
        q({{"location", "XX"}, {"dataStartAt", at(40)}, {"dataEndAt", at(50)}, {"fill", "estimated"}}));
    ASSERT_TRUE(filled[0].contains("powerml")) << filled.dump();
    EXPECT_EQ(filled[0]["powerml"]["filledPoints"], 3);  // 48:00, 49:00, 50:00
    const json plain = api.forecasts_current(q({{"location", "XX"}, {"dataStartAt", at(1)}, {"dataEndAt", at(5)}}));
    EXPECT_FALSE(plain[0].contains("powerml")) << "nothing to label when only the source's data was used";
    EXPECT_NE(error_of([&] { api.forecasts_current(q({{"location", "XX"}, {"fill", "guess"}})); }).find("fill"),
              std::string::npos);
    // The same rule for the average and for emissions: filled points are not data.
    EXPECT_NE(error_of([&] { api.average(q({{"location", "XX"}, {"startTime", at(46)}, {"endTime", at(50)}})); })
                  .find("Period out of range"),
              std::string::npos);
    EXPECT_TRUE(api.emissions_by_location(q({{"location", "XX"}, {"time", at(60)}})).empty());
    const json e = api.emissions_by_location(q({{"location", "XX"}, {"time", at(60)}, {"fill", "estimated"}}));
    ASSERT_EQ(e.size(), 1u);
    EXPECT_EQ(e[0]["filled"], true);
}

TEST_F(CarbonAwareSdkTest, BatchItemWithoutRequestedAtIs400) {
    const json body = json::parse(R"([{"location":"XX","dataStartAt":")" + at(0) + R"(","dataEndAt":")" + at(6) + R"("}])");
    const auto e = error_of([&] { api.forecasts_batch(body); });
    EXPECT_NE(e.find("400"), std::string::npos) << e;
    EXPECT_NE(e.find("[0].requestedAt"), std::string::npos) << e;
}

TEST_F(CarbonAwareSdkTest, WindowSizeIsEchoedAsGivenAndZeroWhenAbsent) {
    const json absent = api.forecasts_current(q({{"location", "XX"}, {"dataStartAt", at(0)}, {"dataEndAt", at(6)}}));
    EXPECT_EQ(absent[0]["windowSize"], 0);
    EXPECT_EQ(absent[0]["forecastData"][0]["duration"], 60);  // each point's own duration, in minutes
    const json given = api.forecasts_current(q({{"location", "XX"}, {"dataStartAt", at(0)}, {"dataEndAt", at(6)}, {"windowSize", "90"}}));
    EXPECT_EQ(given[0]["windowSize"], 90);
    // Longer than the data: no window fits, an empty answer (the DTO's documented case), not an error.
    const json too_long = api.forecasts_current(q({{"location", "XX"}, {"dataStartAt", at(46)}, {"dataEndAt", at(47)}, {"windowSize", "240"}}));
    EXPECT_TRUE(too_long[0]["forecastData"].empty());
    EXPECT_TRUE(too_long[0]["optimalDataPoints"].empty());
    // The SDK checks its first window for coverage only: with the point starting at dataEndAt in
    // the data, 00:00-02:00 is kept although it ends after dataEndAt = 01:00.
    const json first = api.forecasts_current(q({{"location", "XX"}, {"dataStartAt", at(0)}, {"dataEndAt", at(1)}, {"windowSize", "120"}}));
    ASSERT_EQ(first[0]["forecastData"].size(), 1u);
    EXPECT_DOUBLE_EQ(first[0]["forecastData"][0]["value"].get<double>(), (value_at_hour(0) + value_at_hour(1)) / 2);
    // Bounds not given: the first and last point's times, as FromEmissionsForecast echoes them.
    const json bounds = api.forecasts_current(q({{"location", "XX"}}));
    EXPECT_EQ(bounds[0]["dataStartAt"], at(6));   // "now" in this test
    EXPECT_EQ(bounds[0]["dataEndAt"], at(30));
}

}  // namespace

// The routes' kept answers (forecasts_current_text, best_text) are the bytes a fresh answer
// has, at every time: a clock walked in uneven steps across point boundaries (a point leaves
// the range at its end, one enters 24 h ahead), over the cache's day boundary, and backwards.
TEST(CarbonAwareKeptAnswersTest, AreTheBytesOfAFreshAnswerWhateverTheTime) {
    UtcMillis now = k_t0 + 6 * k_h - 5'000;
    server::SeriesCache cache{[](const std::string&, UtcMillis a, UtcMillis b) { return synthetic(a, b); }, 3600, 64};
    server::CarbonAwareApi api{cache, [](const std::string& l) { return l == "XX"; }, server::CarbonAwareApi::Limits{},
                               [&now] { return now; }};
    const auto dumped = [](const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); };
    const auto q = [](std::multimap<std::string, std::string> p) { return server::QueryParams(std::move(p)); };
    const std::vector<std::multimap<std::string, std::string>> forecasts = {
        {{"location", "XX"}},
        {{"location", "XX"}, {"windowSize", "120"}, {"fill", "estimated"}},
        {{"location", "XX"}, {"dataEndAt", format_rfc3339(k_t0 + 9 * k_h + 1)}, {"windowSize", "60"}},
        {{"location", "XX"}, {"dataStartAt", format_rfc3339(k_t0 + k_h)}, {"dataEndAt", format_rfc3339(k_t0 + 5 * k_h)}},
    };
    const std::vector<std::multimap<std::string, std::string>> bests = {
        {{"location", "XX"}, {"time", format_rfc3339(k_t0 + k_h)}, {"toTime", format_rfc3339(k_t0 + 30 * k_h)}},
        {{"location", "XX"}, {"fill", "estimated"}},
    };
    const auto fresh_or_error = [](auto f) {
        try {
            return f();
        } catch (const server::HttpError& e) {
            return "error " + e.to_json().dump();
        }
    };
    int compared = 0;
    for (const long step_ms : {1L, 999L, 1'234'567L, 3'599'000L, 1'000L, 7'200'001L, -4'000'000L, 20'000'000L, 1L}) {
        now += step_ms;
        for (int repeat = 0; repeat < 2; ++repeat) {  // the second one answers from what was kept
            for (const auto& p : forecasts) {
                const std::string fresh = fresh_or_error([&] { return dumped(api.forecasts_current(q(p))); });
                const std::string kept = fresh_or_error([&] { return api.forecasts_current_text(q(p)); });
                EXPECT_EQ(kept, fresh) << format_rfc3339(now) << " " << json(p).dump();
                ++compared;
            }
            for (const auto& p : bests) {
                const std::string fresh = fresh_or_error([&] { return api.best(q(p)).dump(); });
                const std::string kept = fresh_or_error([&] { return api.best_text(q(p)); });
                EXPECT_EQ(kept, fresh) << format_rfc3339(now) << " " << json(p).dump();
                ++compared;
            }
        }
    }
    EXPECT_EQ(compared, 9 * 2 * 6);
}
