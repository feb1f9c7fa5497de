#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "powerml/core/error.hpp"
#include "powerml/store/run_files.hpp"
#include "powerml/store/run_store.hpp"
#include "support/temp_dir.hpp"

using namespace powerml;
using namespace powerml::store;

namespace {

sampler::Timeline small_timeline() {
    sampler::Timeline t;
    t.interval_s = 0.5;
    t.start_utc_ms = 1686830400000;
    t.job_start_s = 0.0;
    t.job_end_s = 2.0;
    sampler::Channel c;
    c.source = "rapl";
    c.info.name = "RAPL::PKG_ENERGY";
    c.info.domain = "package-0";
    c.info.unit = "J";
    c.info.kind = sensors::SignalKind::counter;
    c.info.wrap_at = 262143.328851;
    c.info.component = "cpu";
    c.energy_kind = sampler::EnergyKind::counter;
    c.summed = true;
    t.channels = {c};
    for (int i = 0; i <= 4; ++i) t.rows.push_back({i * 0.5, t.start_utc_ms + i * 500, {100.0 + 5 * i}, {i ? 5.0 : 0.0}});
    t.phases = {{0.5, 0, "epoch-1", true}, {1.5, 0, "epoch-1", false}};
    t.metrics = {{1.0, "loss", 0.25}};
    return t;
}

}  // namespace

TEST(RunStoreTest, FinishedRunRoundTrips) {
    test::TempDir dir;
    RunStore db(dir.path() / "sub" / "runs.sqlite");
    const auto timeline = small_timeline();
    RunRecord record;
    record.id = "20230615T120000Z-abcd";
    record.command = {"python3", "train.py", "--epochs", "3"};
    record.host = "edge-1";
    record.started_utc_ms = timeline.start_utc_ms;
    record.summary = analysis::summarize(timeline);
    record.carbon.zone = "CY";
    record.carbon.g_co2e = 1.5;
    db.begin_run(record, timeline);
    db.append_rows(record.id, timeline, 0);
    db.finish_run(record, timeline, summary_json(record), phases_csv(record));

    const auto items = db.list();
    ASSERT_EQ(items.size(), 1u);
    EXPECT_EQ(items[0].status, "finished");
    EXPECT_DOUBLE_EQ(*items[0].net_j, 20.0);
    EXPECT_DOUBLE_EQ(*items[0].g_co2e, 1.5);
    EXPECT_EQ(items[0].command, "python3 train.py --epochs 3");

    const auto run = db.load("20230615");
    EXPECT_EQ(run.id, record.id);
    EXPECT_EQ(run.command, record.command);
    ASSERT_EQ(run.timeline.rows.size(), 5u);
    EXPECT_DOUBLE_EQ(run.timeline.rows[4].values[0], 120.0);
    EXPECT_DOUBLE_EQ(run.timeline.rows[4].energy_j[0], 5.0);
    EXPECT_DOUBLE_EQ(run.timeline.channels[0].info.wrap_at, 262143.328851);
    ASSERT_EQ(run.timeline.phases.size(), 2u);
    EXPECT_EQ(run.timeline.metrics[0].name, "loss");
    const auto summary = nlohmann::json::parse(run.summary_json);
    EXPECT_EQ(summary["schema"], "powerml.run/1");
    EXPECT_DOUBLE_EQ(summary["energy_j"]["gross"].get<double>(), 20.0);
}

TEST(RunStoreTest, InterruptedRunKeepsItsRowsAndSaysSo) {
    test::TempDir dir;
    const auto file = dir.path() / "runs.sqlite";
    const auto timeline = small_timeline();
    {
        RunStore db(file);
        RunRecord record;
        record.id = "20230615T120000Z-dead";
        record.command = {"sleep", "100"};
        db.begin_run(record, timeline);
        db.append_rows(record.id, timeline, 0);
        // ... and powerml dies here: no finish_run.
    }
    RunStore db(file);
    const auto items = db.list();
    ASSERT_EQ(items.size(), 1u);
    EXPECT_EQ(items[0].status, "interrupted");
    EXPECT_FALSE(items[0].exit_status);
    const auto run = db.load("20230615T120000Z-dead");
    EXPECT_EQ(run.timeline.rows.size(), 5u);
    EXPECT_TRUE(run.summary_json.empty());
    EXPECT_DOUBLE_EQ(run.timeline.job_end_s, 2.0);
}

TEST(RunStoreTest, UnknownAndAmbiguousIdsAreErrors) {
    test::TempDir dir;
    RunStore db(dir.path() / "runs.sqlite");
    const auto timeline = small_timeline();
    for (const char* id : {"2023-a", "2023-b"}) {
        RunRecord record;
        record.id = id;
        db.begin_run(record, timeline);
    }
    EXPECT_THROW(db.load("1999"), Error);
    EXPECT_THROW(db.load("2023"), Error);
    EXPECT_EQ(db.load("2023-b").id, "2023-b");
}

TEST(RunStoreTest, UnopenableFileIsAnError) {
    test::TempDir dir;
    dir.write("file", "x");
    EXPECT_THROW(RunStore(dir.path() / "file" / "runs.sqlite"), Error);
}
