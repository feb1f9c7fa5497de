#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "powerml/analysis/run_summary.hpp"
#include "powerml/core/error.hpp"
#include "powerml/store/run_files.hpp"
#include "powerml/store/run_store.hpp"
#include "support/temp_dir.hpp"

using namespace powerml;
using namespace powerml::store;
using powerml::record::RunRecord;

namespace {

record::TimelineTail all_of(const record::Timeline& t) {
    record::TimelineTail tail;
    tail.rows = t.rows;
    tail.phases = t.phases;
    tail.metrics = t.metrics;
    return tail;
}

}  // namespace

namespace {

record::Timeline small_timeline() {
    record::Timeline t;
    t.interval_s = 0.5;
    t.start_utc_ms = 1686830400000;
    t.job_start_s = 0.0;
    t.job_end_s = 2.0;
    record::Channel c;
    c.source = "rapl";
    c.info.name = "RAPL::PKG_ENERGY";
    c.info.domain = "package-0";
    c.info.unit = record::Unit::joule;
    c.info.kind = record::SignalKind::counter;
    c.info.wrap_at = 262143.328851;
    c.info.component = powerml::record::Component::cpu;
    c.energy_kind = record::EnergyKind::counter;
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
    db.append(record.id, all_of(timeline));
    db.finish_run(record, timeline, phases_csv(record));

    const auto items = db.list();
    ASSERT_EQ(items.size(), 1u);
    EXPECT_EQ(items[0].status, "finished");
    EXPECT_DOUBLE_EQ(*items[0].net_j, 20.0);
    EXPECT_DOUBLE_EQ(*items[0].g_co2e, 1.5);
    EXPECT_EQ(items[0].command, "python3 train.py --epochs 3");

    const auto run = db.load("20230615");
    EXPECT_TRUE(run.has_summary);
    EXPECT_EQ(run.record.id, record.id);
    EXPECT_EQ(run.record.command, record.command);
    ASSERT_EQ(run.timeline.rows.size(), 5u);
    EXPECT_DOUBLE_EQ(run.timeline.rows[4].values[0], 120.0);
    EXPECT_DOUBLE_EQ(run.timeline.rows[4].energy_j[0], 5.0);
    EXPECT_DOUBLE_EQ(run.timeline.channels[0].info.wrap_at, 262143.328851);
    ASSERT_EQ(run.timeline.phases.size(), 2u);
    EXPECT_EQ(run.timeline.metrics[0].name, "loss");
    // The record comes back typed, as it was measured: nothing to re-parse, nothing recomputed.
    EXPECT_DOUBLE_EQ(run.record.summary.gross_j, 20.0);
    EXPECT_DOUBLE_EQ(*run.record.carbon.g_co2e, 1.5);
    EXPECT_EQ(run.record.summary.phases.size(), record.summary.phases.size());
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
        db.append(record.id, all_of(timeline));
        // ... and powerml dies here: no finish_run.
    }
    RunStore db(file);
    const auto items = db.list();
    ASSERT_EQ(items.size(), 1u);
    EXPECT_EQ(items[0].status, "interrupted");
    EXPECT_FALSE(items[0].exit_status);
    const auto run = db.load("20230615T120000Z-dead");
    EXPECT_EQ(run.timeline.rows.size(), 5u);
    EXPECT_FALSE(run.has_summary);
    EXPECT_EQ(run.record.status, "interrupted");
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
    EXPECT_EQ(db.load("2023-b").record.id, "2023-b");
}

TEST(RunStoreTest, UnopenableFileIsAnError) {
    test::TempDir dir;
    dir.write("file", "x");
    EXPECT_THROW(RunStore(dir.path() / "file" / "runs.sqlite"), Error);
}

// Rows appended in pieces (as the store writer does every second) land at their positions, and
// appending the same piece again changes nothing.
TEST(RunStoreTest, AppendByPositionIsIdempotent) {
    test::TempDir dir;
    RunStore db(dir.path() / "runs.sqlite");
    const auto timeline = small_timeline();
    RunRecord record;
    record.id = "20230615T120000Z-0001";
    db.begin_run(record, timeline);
    record::TimelineTail first, second;
    first.rows.assign(timeline.rows.begin(), timeline.rows.begin() + 2);
    second.first_row = 2;
    second.rows.assign(timeline.rows.begin() + 2, timeline.rows.end());
    second.phases = timeline.phases;
    db.append(record.id, first);
    db.append(record.id, second);
    db.append(record.id, second);
    const auto run = db.load(record.id);
    ASSERT_EQ(run.timeline.rows.size(), 5u);
    EXPECT_DOUBLE_EQ(run.timeline.rows[3].t_s, 1.5);
    EXPECT_EQ(run.timeline.phases.size(), 2u);
}

TEST(RunStoreTest, ReadOnlyOpenNeverCreatesOrWrites) {
    test::TempDir dir;
    const auto file = dir.path() / "none.sqlite";
    EXPECT_THROW(RunStore(file, RunStore::Mode::read_only), Error);
    EXPECT_FALSE(std::filesystem::exists(file));
    { RunStore db(file); }
    const RunStore reader(file, RunStore::Mode::read_only);
    EXPECT_TRUE(reader.list().empty());
}
