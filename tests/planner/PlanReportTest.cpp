#include "powerml/planner/plan_report.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "powerml/planner/handoff.hpp"
#include "powerml/planner/job_file.hpp"
#include "synthetic.hpp"

namespace powerml::planner {
namespace {

constexpr UtcMillis k_hour = 3'600'000;

// Two sites: here (A) is dear in the evening and cheap at 10:00-15:00; B is flat and cheaper
// still, but outside the allowed jurisdictions in the second job.
struct Fixture {
    UtcMillis base = parse_rfc3339("2023-06-15T00:00:00Z");
    std::map<std::string, carbon::IntensitySeries> zones;
    JobSpec job;

    Fixture() {
        std::vector<double> a(48, 600.0);
        for (int h = 10; h < 15; ++h) a[h] = 300.0;
        zones["A"] = test::make_series("A", base, a);
        zones["B"] = test::make_series("B", base, std::vector<double>(48, 40.0));
        job = parse_job_toml(R"(
[job]
name = "cnn-retrain"
duration = "5h"
power_w = 300
earliest_start = "2023-06-15T00:00:00Z"
deadline = "2023-06-16T12:00:00Z"
data_gb = 144
script = "train.sh"
image = "registry.example/cnn:1"
command = ["python", "train.py"]
[[site]]
name = "nicosia-mec"
zone = "A"
current = true
jurisdiction = "EU"
[[site]]
name = "lulea"
zone = "B"
jurisdiction = "EU"
network_kwh_per_gb = 0.001
slurm_cluster = "north"
)",
                             "job.toml");
    }
    Plan plan() const { return Planner(test::source_from(zones)).plan(job, {}); }
};

TEST(PlanReportTest, JsonFollowsThePlanContract) {
    Fixture f;
    f.job.sites.pop_back();  // only the current site: a "when" decision
    const nlohmann::json j = plan_to_json(f.plan());
    for (const char* key : {"baseline", "best", "options", "savings_g", "savings_pct"}) EXPECT_TRUE(j.contains(key)) << key;
    for (const char* key : {"site", "zone", "start", "end", "g_co2e", "savings_g", "savings_pct", "energy_j",
                            "compute_g", "transfer_g", "accuracy_loss_pp", "g_co2e_low", "g_co2e_high"})
        EXPECT_TRUE(j["best"].contains(key)) << key;
    EXPECT_EQ(j["baseline"]["start"], "2023-06-15T00:00:00Z");
    EXPECT_EQ(j["best"]["start"], "2023-06-15T10:00:00Z");
    // 300 W x 5 h = 1.5 kWh: 900 g at 600 g/kWh, 450 g at 300 g/kWh.
    EXPECT_NEAR(j["baseline"]["g_co2e"].get<double>(), 900.0, 1e-9);
    EXPECT_NEAR(j["best"]["g_co2e"].get<double>(), 450.0, 1e-9);
    EXPECT_NEAR(j["best"]["energy_j"].get<double>(), 300.0 * 5 * 3600, 1e-6);
    EXPECT_NEAR(j["savings_g"].get<double>(), 450.0, 1e-9);
    EXPECT_NEAR(j["savings_pct"].get<double>(), 50.0, 1e-9);
    EXPECT_EQ(j["options"][0]["rank"], 1);
}

TEST(PlanReportTest, TextHasATableAndOnePlainSentence) {
    Fixture f;
    f.job.sites.pop_back();
    const Plan plan = f.plan();
    EXPECT_EQ(plan_sentence(plan), "Start at 10:00 UTC in nicosia-mec instead of at 00:00 UTC: 450 g CO2e less (50 %).");
    const std::string text = plan_to_text(plan);
    EXPECT_NE(text.find("baseline"), std::string::npos);
    EXPECT_NE(text.find("nicosia-mec"), std::string::npos);
    EXPECT_NE(text.find(plan_sentence(plan)), std::string::npos);
}

TEST(PlanReportTest, MovingChargesTransferAndTheSentenceSaysSo) {
    Fixture f;
    const Plan plan = f.plan();
    EXPECT_EQ(plan.best.site, "lulea");
    EXPECT_TRUE(plan.best.moved);
    // 144 GB at 1 Gbit/s: 1,152 s; 144 x 0.001 kWh = 0.144 kWh, half at each end. B is flat,
    // so the search times the transfer into A's cheap hours: half at 300 and half at 40 g/kWh.
    EXPECT_DOUBLE_EQ(plan.best.transfer_s, 1152.0);
    EXPECT_NEAR(plan.best.transfer_energy_j, 0.144 * 3.6e6, 1e-6);
    EXPECT_NEAR(plan.best.transfer_g, 0.072 * 300 + 0.072 * 40, 1e-6);
    EXPECT_GE(plan.best.start - 1152 * 1000, f.base + 10 * k_hour);
    EXPECT_NEAR(plan.best.compute_g, 1.5 * 40, 1e-6);
    EXPECT_GE(plan.best.start, plan.earliest_start + 1152 * 1000);
    EXPECT_NE(plan_sentence(plan).find("in lulea (moving the data) instead of at 00:00 UTC in nicosia-mec"),
              std::string::npos)
        << plan_sentence(plan);

    // At 0.06 kWh/GB (fixed Internet, 2015) the 8.64 kWh transfer outweighs the 1.5 kWh job.
    f.job.sites[1].network_kwh_per_gb = 0.06;
    EXPECT_EQ(f.plan().best.site, "nicosia-mec");

    f.job.allowed_jurisdictions = {"UK"};
    f.job.sites[0].jurisdiction = "UK";
    const Plan resident = f.plan();
    EXPECT_EQ(resident.best.site, "nicosia-mec");
    ASSERT_EQ(resident.excluded.size(), 1u);
    EXPECT_EQ(resident.excluded[0].site, "lulea");
}

TEST(PlanReportTest, DriftCapsTheWaitAndIsPriced) {
    Fixture f;
    f.job.sites.pop_back();
    f.job.drift = Drift{0.1, 0.5};  // 0.1 pp per hour, at most 0.5 pp: finish by 10:00
    const Plan capped = f.plan();
    EXPECT_LE(capped.best.end, parse_rfc3339("2023-06-15T10:00:00Z"));
    EXPECT_LE(capped.best.accuracy_loss_pp, 0.5 + 1e-12);
    f.job.drift = Drift{0.1, std::nullopt};
    f.job.objective.g_per_accuracy_pp = 1000;  // 100 g per hour of delay: waiting 10 h does not pay
    const Plan priced = f.plan();
    EXPECT_EQ(priced.best.start, priced.baseline.start);
    EXPECT_NE(plan_sentence(priced).find("as planned"), std::string::npos);
}

TEST(PlanReportTest, TiesGoToTheEarliestStart) {
    // Flat intensity: every start costs the same; later starts must not be "recommended".
    std::map<std::string, carbon::IntensitySeries> zones;
    const UtcMillis base = parse_rfc3339("2023-06-15T00:00:00Z");
    zones["F"] = test::make_series("F", base, std::vector<double>(48, 123.456));
    JobSpec j;
    j.name = "flat";
    j.duration_s = 300;  // 5 minutes: many starts inside one hour, all equal
    j.power_w = 777;
    j.earliest_start = base + 22 * 60'000;
    j.deadline = base + 30 * k_hour;
    j.sites.push_back({.name = "a", .zone = "F", .current = true});
    const Plan plan = Planner(test::source_from(zones)).plan(j, {});
    EXPECT_EQ(plan.best.start, plan.baseline.start);
    EXPECT_NE(plan_sentence(plan).find("as planned"), std::string::npos) << plan_sentence(plan);
}

TEST(PlanReportTest, UnknownZoneNamesTheSite) {
    Fixture f;
    f.job.sites[1].zone = "XX";
    try {
        f.plan();
        FAIL();
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("lulea"), std::string::npos);
        EXPECT_NE(std::string(e.what()).find("XX"), std::string::npos);
    }
}

TEST(PlanReportTest, FixedStartScoresThatStartEverywhere) {
    Fixture f;
    PlanSettings at18;
    at18.fixed_start = f.base + 18 * k_hour;
    const Plan plan = Planner(test::source_from(f.zones)).plan(f.job, at18);
    EXPECT_EQ(plan.baseline.start, *at18.fixed_start);
    EXPECT_NEAR(plan.baseline.g_co2e, 900.0, 1e-9);
    ASSERT_EQ(plan.options.size(), 2u);
    for (const PlanOption& o : plan.options) EXPECT_EQ(o.start, *at18.fixed_start);
    EXPECT_EQ(plan.best.site, "lulea");
    PlanSettings too_late;
    too_late.fixed_start = f.job.deadline;
    EXPECT_THROW(Planner(test::source_from(f.zones)).plan(f.job, too_late), Error);
}

TEST(HandoffTest, SlurmLineBeginsAtTheChosenTimeOnTheChosenCluster) {
    Fixture f;
    const Plan plan = f.plan();
    const std::string out = slurm_commands(plan, f.job);
    const UtcFields s = utc_fields(plan.best.start);
    const std::string begin = fmt::format("--begin={}-{:02}-{:02}T{:02}:{:02}:{:02}", s.year, s.month, s.day, s.hour,
                                          s.minute, s.second);
    EXPECT_NE(out.find("TZ=UTC sbatch " + begin + " --clusters=north --job-name=cnn-retrain --time=300"),
              std::string::npos)
        << out;
    EXPECT_NE(out.find("train.sh"), std::string::npos);
}

TEST(HandoffTest, KubernetesJobWaitsForTheStartOnTheSitesNodes) {
    Fixture f;
    const Plan plan = f.plan();
    const std::string out = kubernetes_manifest(plan, f.job);
    EXPECT_NE(out.find("kind: Job"), std::string::npos);
    EXPECT_NE(out.find("key: \"powerml.io/site\""), std::string::npos);
    EXPECT_NE(out.find("values: [\"lulea\"]"), std::string::npos);
    EXPECT_NE(out.find(fmt::format("t={};", plan.best.start / 1000)), std::string::npos);
    EXPECT_NE(out.find("image: \"registry.example/cnn:1\""), std::string::npos);
    EXPECT_NE(out.find("command: [\"python\", \"train.py\"]"), std::string::npos);
}

}  // namespace
}  // namespace powerml::planner
