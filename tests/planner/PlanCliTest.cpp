// `powerml plan` end to end: job file in, intensity from CSV files (--source ZONE=csv:PATH) or
// the embedded data, JSON / text / Slurm / Kubernetes out, and bad files rejected.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/run_process.hpp"
#include "support/temp_dir.hpp"

namespace powerml::planner {
namespace {

using test::run_powerml;

// Hourly CSV for 2023-06-15 and 16: `cheap_from`..`cheap_to` (UTC hours of the 15th) at `low`,
// everything else at `high`.
std::string csv(int cheap_from, int cheap_to, double low, double high) {
    std::string out = "time,value\n";
    for (int h = 0; h < 48; ++h) {
        const bool cheap = h >= cheap_from && h < cheap_to;
        out += fmt::format("2023-06-{:02}T{:02}:00:00Z,{}\n", 15 + h / 24, h % 24, cheap ? low : high);
    }
    return out;
}

const char* k_job = R"(
[job]
name = "cli-test"
duration = "3h"
power_w = 1000
earliest_start = "2023-06-15T00:00:00Z"
deadline = "2023-06-16T00:00:00Z"
data_gb = 0

[[site]]
name = "here"
zone = "DE"
current = true
jurisdiction = "EU"

[[site]]
name = "there"
zone = "FR"
jurisdiction = "EU"
slurm_cluster = "west"
)";

struct Files {
    test::TempDir dir;
    std::vector<std::string> sources;
    Files() {
        dir.write("de.csv", csv(10, 14, 200, 500));  // here: cheap 10:00-14:00
        dir.write("fr.csv", csv(0, 0, 100, 100));    // there: flat and cheaper
        dir.write("job.toml", k_job);
        sources = {"--source", "DE=csv:" + (dir.path() / "de.csv").string(), "--source",
                   "FR=csv:" + (dir.path() / "fr.csv").string()};
    }
    std::vector<std::string> args(std::vector<std::string> extra) const {
        std::vector<std::string> a = {"plan", "--job", (dir.path() / "job.toml").string()};
        a.insert(a.end(), sources.begin(), sources.end());
        a.insert(a.end(), extra.begin(), extra.end());
        return a;
    }
};

TEST(PlanCliTest, JsonFollowsTheContract) {
    Files f;
    const auto r = run_powerml(f.args({"--format", "json"}));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["baseline"]["site"], "here");
    EXPECT_EQ(j["baseline"]["start"], "2023-06-15T00:00:00Z");
    EXPECT_NEAR(j["baseline"]["g_co2e"].get<double>(), 3 * 500.0, 1e-6);  // 3 kWh at 500 g/kWh
    EXPECT_EQ(j["best"]["site"], "there");
    EXPECT_NEAR(j["best"]["g_co2e"].get<double>(), 3 * 100.0, 1e-6);
    EXPECT_NEAR(j["savings_g"].get<double>(), 1200.0, 1e-6);
    EXPECT_NEAR(j["savings_pct"].get<double>(), 80.0, 1e-9);
    EXPECT_NEAR(j["best"]["energy_j"].get<double>(), 3 * 3.6e6, 1e-3);
    ASSERT_GE(j["options"].size(), 2u);
    for (const auto& o : j["options"]) {
        for (const char* key : {"site", "zone", "start", "end", "g_co2e", "savings_g", "savings_pct"})
            EXPECT_TRUE(o.contains(key)) << key;
        EXPECT_LE(o["end"].get<std::string>(), "2023-06-16T00:00:00Z");
    }
    // The best start at the current site is in its cheap hours.
    bool here_cheap = false;
    for (const auto& o : j["options"])
        if (o["site"] == "here" && o["start"] == "2023-06-15T10:00:00Z") here_cheap = true;
    EXPECT_TRUE(here_cheap) << r.out;
}

TEST(PlanCliTest, TextSaysItInOneSentence) {
    Files f;
    const auto r = run_powerml(f.args({}));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("Start at 00:00 UTC in there (moving the job) instead of at 00:00 UTC in here: 1.2 kg CO2e less (80 %)."),
              std::string::npos)
        << r.out;
}

TEST(PlanCliTest, EmitsSlurmAndKubernetes) {
    Files f;
    const auto slurm = run_powerml(f.args({"--emit", "slurm"}));
    ASSERT_EQ(slurm.exit_code, 0) << slurm.err;
    EXPECT_NE(slurm.out.find("TZ=UTC sbatch --begin=2023-06-15T00:00:00 --clusters=west --job-name=cli-test --time=180"),
              std::string::npos)
        << slurm.out;
    const auto k8s = run_powerml(f.args({"--emit", "kubernetes"}));
    ASSERT_EQ(k8s.exit_code, 0) << k8s.err;
    EXPECT_NE(k8s.out.find("kind: Job"), std::string::npos);
    EXPECT_NE(k8s.out.find("values: [\"there\"]"), std::string::npos) << k8s.out;
}

TEST(PlanCliTest, StartScoresOneStartEverywhere) {
    Files f;
    const auto r = run_powerml(f.args({"--format", "json", "--start", "2023-06-15T11:00:00+01:00"}));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["baseline"]["start"], "2023-06-15T10:00:00Z");
    EXPECT_NEAR(j["baseline"]["g_co2e"].get<double>(), 3 * 200.0, 1e-6);  // here's cheap hours
    ASSERT_EQ(j["options"].size(), 2u);
    for (const auto& o : j["options"]) EXPECT_EQ(o["start"], "2023-06-15T10:00:00Z");
}

TEST(PlanCliTest, RejectsBadJobFilesNamingTheField) {
    Files f;
    struct Bad {
        std::string from, to, field;
    };
    const std::vector<Bad> cases = {
        {"power_w = 1000", "power_w = -5", "power_w"},
        {"deadline = \"2023-06-16T00:00:00Z\"\n", "", "deadline"},
        {"deadline = \"2023-06-16T00:00:00Z\"", "deadline = \"2023-06-15T02:00:00Z\"", "deadline"},
        {"duration = \"3h\"\n", "", "duration"},
        {"zone = \"FR\"", "zone = \"XX-NOWHERE\"", "XX-NOWHERE"},
    };
    for (const Bad& b : cases) {
        std::string text = k_job;
        text.replace(text.find(b.from), b.from.size(), b.to);
        f.dir.write("bad.toml", text);
        // Embedded data: the unknown zone must be reported, not silently skipped.
        const auto r = run_powerml({"plan", "--job", (f.dir.path() / "bad.toml").string()});
        EXPECT_NE(r.exit_code, 0) << b.field;
        EXPECT_NE(r.err.find(b.field), std::string::npos) << r.err;
    }
    const auto missing = run_powerml({"plan", "--job", (f.dir.path() / "none.toml").string()});
    EXPECT_NE(missing.exit_code, 0);
}

TEST(PlanCliTest, EstimatedHoursGetTheForecastersMeasuredError) {
    test::TempDir dir;
    // 2030 is beyond the shipped data: typical-profile estimates with no stated error.
    dir.write("job.toml", R"(
[job]
name = "future"
duration = "2h"
power_w = 500
earliest_start = "2030-01-10T00:00:00Z"
deadline = "2030-01-11T00:00:00Z"
[[site]]
name = "london"
zone = "GB"
current = true
)");
    const auto r = run_powerml({"plan", "--job", (dir.path() / "job.toml").string(), "--format", "json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_TRUE(j["best"]["uncertainty_known"].get<bool>());
    EXPECT_LT(j["best"]["g_co2e_low"].get<double>(), j["best"]["g_co2e"].get<double>());
    EXPECT_GT(j["best"]["g_co2e_high"].get<double>(), j["best"]["g_co2e"].get<double>());
    EXPECT_GT(j["series"][0]["relative_uncertainty"].get<double>(), 0.0);
    EXPECT_NE(j["series"][0]["note"].get<std::string>().find("measured error"), std::string::npos);
}

TEST(PlanCliTest, ReferenceCaseRunsOnTheEmbeddedData) {
    const auto r = run_powerml({"plan", "--job", std::string(POWERML_TEST_SOURCE_DIR) + "/../examples/reference-mec.toml",
                                "--format", "json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["baseline"]["zone"], "CY");
    // 306 W x 5 h.
    EXPECT_NEAR(j["baseline"]["energy_j"].get<double>(), 306.0 * 5 * 3600, 1e-3);
    EXPECT_GT(j["baseline"]["g_co2e"].get<double>(), j["best"]["g_co2e"].get<double>());
}

}  // namespace
}  // namespace powerml::planner
