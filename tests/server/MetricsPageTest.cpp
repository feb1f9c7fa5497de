// The /metrics text and the emissions LivePower charges, with numbers known in advance.
#include "powerml/server/metrics_page.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <set>

#include <fmt/format.h>
#include <sstream>

#include "powerml/server/window_average.hpp"
#include "server/scripted_sensor.hpp"

using namespace powerml;

namespace {

carbon::IntensitySeries two_hours(UtcMillis start, double first, double second) {
    carbon::IntensitySeries s;
    s.zone = "XX";
    s.provider = "embedded";
    s.points = {{start, 3600, first, carbon::PointKind::measured}, {start + 3'600'000, 3600, second, carbon::PointKind::measured}};
    return s;
}

TEST(WindowAveragerTest, AverageAndRollingWindowsAcrossPoints) {
    const auto s = two_hours(0, 100, 300);
    server::WindowAverager a(s);
    EXPECT_DOUBLE_EQ(*a.average(0, 7'200'000), 200);
    EXPECT_DOUBLE_EQ(*a.average(1'800'000, 5'400'000), 200);   // half of each hour
    EXPECT_DOUBLE_EQ(*a.average(2'700'000, 4'500'000), 200);
    EXPECT_DOUBLE_EQ(*a.average(0, 900'000), 100);
    EXPECT_FALSE(a.average(8'000'000, 9'000'000));            // not covered
    EXPECT_DOUBLE_EQ(*a.average(3'600'000, 9'000'000), 300);   // only the covered part counts
    // The SDK's windows: from 00:30 in steps of one point (1 h); 01:30-02:30 ends after 02:00.
    const auto w = a.rolling(1'800'000, 7'200'000, 3'600'000);
    ASSERT_EQ(w.size(), 1u);
    EXPECT_EQ(w[0].start, 1'800'000);
    EXPECT_DOUBLE_EQ(w[0].g_per_kwh, 200);
    EXPECT_EQ(a.covered_ms(3'600'000, 9'000'000), 3'600'000);
}

TEST(LivePowerTest, EmissionsAreChargedAtTheIntensityOfTheHoursTheEnergyWasUsedIn) {
    // Readings 1 h apart spanning an hour boundary at half-way: half the energy at each hour's value.
    auto live = test::scripted_live_power(1.0);
    live->sample_once();
    const auto first = live->read(nullptr);
    EXPECT_FALSE(first.emissions_known);
    live->sample_once();
    const UtcMillis now = live->read(nullptr).sample.utc_ms;
    const auto s = two_hours(now - 3'600'000 - 1'800'000, 100, 300);  // now sits half-way into the second hour
    const auto r = live->read(&s);
    ASSERT_TRUE(r.emissions_known);
    // Everything so far is charged over [start of sampling, now], which lies in the second hour.
    const double cpu_j = r.sample.energy_j[0];
    const double gpu_j = r.sample.energy_j[1];
    EXPECT_NEAR(r.grams[0], cpu_j / 3.6e6 * 300, 1e-9);
    EXPECT_NEAR(r.grams[1], gpu_j / 3.6e6 * 300, 1e-9);
    // A read with no new energy charges nothing more.
    const auto again = live->read(&s);
    EXPECT_DOUBLE_EQ(again.grams[0], r.grams[0]);
}

TEST(MetricsPageTest, TextFormatWithHelpTypeAndEscapedLabels) {
    auto live = test::scripted_live_power(1.0);
    live->sample_once();
    live->sample_once();
    const UtcMillis now = live->read(nullptr).sample.utc_ms;
    const auto s = two_hours(now - 3'600'000, 200, 200);
    const auto reading = live->read(&s);
    const std::string page = server::MetricsPage::render(live->channels(), reading, 1.0,
                                                         server::IntensityNow{"XX", "embedded", "measured", 200}, "1.2\"3");
    // Every line is a comment or `name{labels} value`, and every sample's family has HELP and TYPE.
    const std::regex sample_line(R"(^([a-z_]+)(\{([a-z_]+="([^"\\]|\\.)*",?)*\})? (-?[0-9.e+-]+|NaN|[+-]Inf)$)");
    std::istringstream lines(page);
    std::string line;
    std::set<std::string> typed;
    int samples = 0;
    while (std::getline(lines, line)) {
        if (line.rfind("# TYPE ", 0) == 0) typed.insert(line.substr(7, line.find(' ', 7) - 7));
        if (line.rfind("#", 0) == 0) continue;
        std::smatch m;
        ASSERT_TRUE(std::regex_match(line, m, sample_line)) << line;
        EXPECT_TRUE(typed.count(m[1].str())) << "no TYPE before " << line;
        // Prometheus refuses a scrape where a label name repeats within a sample.
        std::set<std::string> names;
        const std::regex label_name(R"(([a-z_]+)=")");
        const std::string labels = m[2].str();
        for (auto it = std::sregex_iterator(labels.begin(), labels.end(), label_name); it != std::sregex_iterator(); ++it)
            EXPECT_TRUE(names.insert((*it)[1].str()).second) << "label " << (*it)[1] << " repeats in " << line;
        ++samples;
    }
    EXPECT_GT(samples, 10);
    EXPECT_NE(page.find("powerml_build_info{version=\"1.2\\\"3\"} 1"), std::string::npos) << page;
    EXPECT_NE(page.find("powerml_power_watts{component=\"gpu\",source=\"scripted\",domain=\"gpu-0\",kind=\"integrated-power\",summed=\"true\"} 30"),
              std::string::npos) << page;
    EXPECT_NE(page.find("powerml_grid_intensity_grams_per_kwh{zone=\"XX\",source=\"embedded\",kind=\"measured\"} 200"), std::string::npos);
    const double node_g = reading.grams[0] + reading.grams[1];
    EXPECT_NE(page.find(fmt::format("powerml_node_emissions_grams_total{{zone=\"XX\",intensity_source=\"embedded\"}} {}", node_g)), std::string::npos)
        << page;
}

}  // namespace
