// The summary.json codec: what is written reads back as the same record, any bytes in text
// fields survive, and damaged text is a clear error.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "powerml/core/error.hpp"
#include "powerml/record/summary_json.hpp"

using namespace powerml;
using namespace powerml::record;

namespace {

RunRecord sample_record() {
    RunRecord r;
    r.id = "20261201T120000Z-abcd";
    r.command = {"python3", "train.py", "--lr", "0.1"};
    r.host = "node-1";
    r.labels = {{"slurm_job_id", "42"}};
    r.started_utc_ms = 1764590400000;
    r.ended_utc_ms = 1764590460500;
    r.exit_status = 3;
    auto& s = r.summary;
    s.duration_s = 60.5;
    s.interval_s = 0.1;
    s.samples = 655;
    s.baseline_s = 5;
    s.gross_j = 1200;
    s.baseline_j = 605;
    s.net_j = 595;
    s.uncertainty_j = 12.5;
    ComponentEnergy pkg;
    pkg.name = "package-0";
    pkg.component = Component::cpu;
    pkg.source = "rapl";
    pkg.signal = "RAPL::PKG_ENERGY";
    pkg.kind = EnergyKind::counter;
    pkg.summed = true;
    pkg.gross_j = 1000;
    pkg.baseline_power_w = 8;
    pkg.baseline_j = 484;
    pkg.net_j = 516;
    pkg.mean_power_w = 1000 / 60.5;
    pkg.uncertainty_j = 10;
    ComponentEnergy dram = pkg;
    dram.name = "dram";
    dram.component = Component::dram;
    dram.source = "model";
    dram.signal = "MODEL::DRAM_POWER";
    dram.kind = EnergyKind::model;
    dram.model_id = "default/dram";
    dram.gross_j = 200;
    dram.baseline_j = 121;
    dram.net_j = 79;
    s.components = {pkg, dram};
    PhaseSummary epoch;
    epoch.name = "epoch-1";
    epoch.start_s = 1;
    epoch.end_s = 30;
    epoch.gross_j = 600;
    epoch.baseline_j = 290;
    epoch.net_j = 310;
    epoch.metrics = {{"loss", 0.25}};
    epoch.usage.cpu_util_mean = 0.75;
    s.phases = {epoch};
    s.metrics = {{"accuracy", 0.91}};
    s.usage.process_cpu_s = 55;
    s.quality.counter_wraps = 1;
    s.quality.gaps = 2;
    s.notes = {"dram energy is modelled"};
    r.carbon.zone = "GB";
    r.carbon.g_co2e = 0.035;
    r.carbon.g_co2e_uncertainty = 0.001;
    r.carbon.intensity_g_per_kwh = 212;
    r.carbon.intensity_source = "embedded hourly";
    r.carbon.pue = 1.2;
    r.carbon.basis = EnergyBasis::net;
    r.carbon.energy_j = 595;
    r.carbon.note = "charged on the job's net energy";
    JobIdentity job;
    job.key = "slurm:4242.0";
    job.source = "slurm";
    job.node = "node-a";
    job.local_world_size = 2;
    job.world_size = 4;
    job.expected_nodes = {"node-a", "node-b"};
    job.ranks = {{0, 0, 100, true}, {1, 1, 101, false}};
    r.job = job;
    return r;
}

}  // namespace

TEST(SummaryJsonTest, RoundTripKeepsEveryField) {
    const RunRecord r = sample_record();
    const RunRecord back = record_from_summary_json(summary_json(r));
    EXPECT_EQ(back.id, r.id);
    EXPECT_EQ(back.command, r.command);
    EXPECT_EQ(back.labels, r.labels);
    EXPECT_EQ(back.started_utc_ms, r.started_utc_ms);
    EXPECT_EQ(back.ended_utc_ms, r.ended_utc_ms);
    EXPECT_EQ(back.exit_status, 3);
    EXPECT_DOUBLE_EQ(back.summary.gross_j, 1200);
    EXPECT_DOUBLE_EQ(back.summary.baseline_j, 605);
    EXPECT_DOUBLE_EQ(back.summary.net_j, 595);
    EXPECT_EQ(back.summary.samples, 655u);
    ASSERT_EQ(back.summary.components.size(), 2u);
    EXPECT_EQ(back.summary.components[1].component, Component::dram);
    EXPECT_EQ(back.summary.components[1].kind, EnergyKind::model);
    EXPECT_EQ(back.summary.components[1].model_id, "default/dram");
    EXPECT_DOUBLE_EQ(back.summary.components[0].baseline_j, 484);
    ASSERT_EQ(back.summary.phases.size(), 1u);
    EXPECT_DOUBLE_EQ(back.summary.phases[0].net_j, 310);
    EXPECT_DOUBLE_EQ(back.summary.phases[0].metrics.at("loss"), 0.25);
    EXPECT_DOUBLE_EQ(*back.summary.phases[0].usage.cpu_util_mean, 0.75);
    EXPECT_EQ(back.summary.quality.gaps, 2);
    EXPECT_EQ(back.carbon.basis, EnergyBasis::net);
    EXPECT_DOUBLE_EQ(back.carbon.energy_j, 595);
    EXPECT_DOUBLE_EQ(*back.carbon.g_co2e, 0.035);
    ASSERT_TRUE(back.job);
    EXPECT_EQ(back.job->key, "slurm:4242.0");
    EXPECT_EQ(back.job->expected_nodes, (std::vector<std::string>{"node-a", "node-b"}));
    ASSERT_EQ(back.job->ranks.size(), 2u);
    EXPECT_TRUE(back.job->ranks[0].metering);
    EXPECT_EQ(back.job->ranks[1].pid, 101);
    // Written again, it is the same text: one codec, no drift between writes.
    EXPECT_EQ(summary_json(back), summary_json(r));
}

TEST(SummaryJsonTest, ContractKeysAreThere) {
    const auto j = nlohmann::json::parse(summary_json(sample_record()));
    EXPECT_EQ(j["schema"], "powerml.run/1");
    for (const char* key : {"gross", "baseline", "net", "uncertainty"}) EXPECT_TRUE(j["energy_j"].contains(key)) << key;
    EXPECT_EQ(j["components"][0]["kind"], "counter");
    EXPECT_EQ(j["carbon"]["energy_basis"], "net");
    EXPECT_DOUBLE_EQ(j["carbon"]["energy_j"].get<double>(), 595);
}

TEST(SummaryJsonTest, InvalidUtf8IsKeptReadable) {
    RunRecord r = sample_record();
    r.command = {"/bin/echo", "caf\xe9"};
    r.summary.phases[0].name = "ph\xff\xfe";
    r.labels["team"] = "\xc3";
    const std::string text = summary_json(r);  // must not throw
    const RunRecord back = record_from_summary_json(text);
    EXPECT_EQ(back.command[0], "/bin/echo");
    EXPECT_NE(back.command[1].find("caf"), std::string::npos);
    EXPECT_EQ(back.summary.phases.size(), 1u);
}

TEST(SummaryJsonTest, DamagedTextIsAClearError) {
    EXPECT_THROW(record_from_summary_json(""), Error);
    EXPECT_THROW(record_from_summary_json("[1, 2]"), Error);
    EXPECT_THROW(record_from_summary_json(R"({"schema": "other/1"})"), Error);
    EXPECT_THROW(record_from_summary_json(R"({"schema": "powerml.run/9", "energy_j": {}})"), Error);
    EXPECT_THROW(record_from_summary_json(R"({"schema": "powerml.run/1", "energy_j": {"gross": "x"}})"), Error);
    try {
        record_from_summary_json(R"({"schema": "powerml.run/1"})");
        FAIL();
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("energy_j"), std::string::npos) << e.what();
    }
}

TEST(SummaryJsonTest, ChannelCodecRoundTrip) {
    Channel c;
    c.source = "rapl";
    c.info.name = "RAPL::PKG_ENERGY";
    c.info.domain = "package-0";
    c.info.unit = Unit::joule;
    c.info.kind = SignalKind::counter;
    c.info.wrap_at = 262143.99;
    c.info.component = Component::cpu;
    c.energy_kind = EnergyKind::counter;
    c.summed = true;
    const Channel back = channel_from_json(channel_json(c));
    EXPECT_EQ(back.info.unit, Unit::joule);
    EXPECT_EQ(back.info.component, Component::cpu);
    EXPECT_EQ(back.energy_kind, EnergyKind::counter);
    EXPECT_DOUBLE_EQ(back.info.wrap_at, 262143.99);
    EXPECT_THROW(channel_from_json("{}"), Error);
    EXPECT_THROW(channel_from_json("not json"), Error);
}

TEST(SummaryJsonTest, EnumsSpellTheirPublicNames) {
    EXPECT_EQ(to_string(Unit::watt), "W");
    EXPECT_EQ(unit_from_string("ratio"), Unit::ratio);
    EXPECT_FALSE(unit_from_string("furlong").has_value());
    EXPECT_EQ(component_from_string("ram"), Component::dram);
    EXPECT_EQ(to_string(EnergyKind::integrated_power), "integrated-power");
    EXPECT_EQ(describe(EnergyBasis::net), "net energy (gross minus idle baseline)");
}

TEST(SummaryJsonTest, AttributionRoundTripsAndOlderFilesHaveNone) {
    RunRecord r = sample_record();
    ASSERT_FALSE(r.summary.components.empty());
    ASSERT_FALSE(r.summary.phases.empty());
    Attributed a;
    a.energy_j = 12.5;
    a.active_j = 10;
    a.idle_j = 2.5;
    a.share = 0.25;
    a.uncertainty_j = 1.5;
    a.method = "cpu-time share of active power per interval; idle by busy share";
    r.summary.components[0].attributed = a;
    r.summary.phases[0].attributed_j = 3.25;
    RunAttribution run;
    run.scope = "process-tree";
    run.policy = {IdleShare::allocated, DramShare::memory};
    run.job_cpu_s = 5;
    run.machine_busy_cpu_s = 20;
    run.cpu_share = 0.25;
    run.allocated_share = 0.5;
    run.machine_j = 50;
    run.attributed_j = 12.5;
    run.uncertainty_j = 1.5;
    run.others_and_idle_j = 37.5;
    run.headline = true;
    run.method = a.method;
    r.summary.attribution = run;
    r.summary.baseline_idleness = BaselineIdleness{0.6, 0.1, 1.2, 0.1, true};
    r.summary.quality.baseline_not_idle = true;

    const RunRecord back = record_from_summary_json(summary_json(r));
    ASSERT_TRUE(back.summary.components[0].attributed);
    EXPECT_EQ(back.summary.components[0].attributed->energy_j, 12.5);
    EXPECT_EQ(back.summary.components[0].attributed->share, 0.25);
    EXPECT_EQ(back.summary.components[0].attributed->method, a.method);
    EXPECT_EQ(back.summary.phases[0].attributed_j, 3.25);
    ASSERT_TRUE(back.summary.attribution);
    const auto& b = *back.summary.attribution;
    EXPECT_EQ(b.policy.idle, IdleShare::allocated);
    EXPECT_EQ(b.policy.dram, DramShare::memory);
    EXPECT_EQ(b.allocated_share, 0.5);
    EXPECT_FALSE(b.memory_share);
    EXPECT_EQ(b.attributed_j, 12.5);
    EXPECT_EQ(b.others_and_idle_j, 37.5);
    EXPECT_TRUE(b.headline);
    ASSERT_TRUE(back.summary.baseline_idleness);
    EXPECT_TRUE(back.summary.baseline_idleness->busy);
    EXPECT_EQ(back.summary.baseline_idleness->cpu_util_mean, 0.6);
    EXPECT_TRUE(back.summary.quality.baseline_not_idle);

    // A run without attribution reads back with none, not with zeros.
    const RunRecord old = record_from_summary_json(summary_json(sample_record()));
    EXPECT_FALSE(old.summary.attribution);
    EXPECT_FALSE(old.summary.components[0].attributed);
    EXPECT_FALSE(old.summary.quality.baseline_not_idle);
}
