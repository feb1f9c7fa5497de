// The same suite on both backends (a SQLite file and a real PostgreSQL, tests/store/
// postgres_server.hpp), then what only one of them has: a SQLite file's folder and its
// version 1 layout, PostgreSQL's concurrent writers and connection errors.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <thread>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "powerml/analysis/run_summary.hpp"
#include "powerml/core/error.hpp"
#include "powerml/store/experiment_store.hpp"
#include "powerml/store/run_files.hpp"
#include "powerml/store/run_store.hpp"
#include "powerml/store/store_location.hpp"
#include "store/postgres_server.hpp"
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


namespace {

RunRecord finished_record(const std::string& id, const record::Timeline& timeline) {
    RunRecord record;
    record.id = id;
    record.command = {"python3", "train.py", "--epochs", "3"};
    record.host = "edge-1";
    record.started_utc_ms = timeline.start_utc_ms;
    record.summary = analysis::summarize(timeline);
    return record;
}

record::JobIdentity job_on(const std::string& key, const std::string& node) {
    record::JobIdentity job;
    job.key = key;
    job.source = "flag";
    job.node = node;
    return job;
}

// Raw SQL on a SQLite file: what a damaged disk or a foreign writer leaves behind.
void sqlite_exec(const std::filesystem::path& file, const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
    char* message = nullptr;
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message);
    const std::string why = message ? message : "";
    sqlite3_free(message);
    sqlite3_close(db);
    ASSERT_EQ(rc, SQLITE_OK) << why;
}

// One store suite over both backends: GetParam() is "sqlite" or "postgresql".
class RunStoreTest : public ::testing::TestWithParam<std::string> {
protected:
    void SetUp() override {
        if (GetParam() == "postgresql") {
            m_server = test::PostgresServer::shared();
            if (!m_server) GTEST_FAIL() << "the PostgreSQL half of the store suite needs the test server";
        }
    }
    // A new, empty store of this backend: a file in a folder not made yet, or a new database.
    std::string fresh_store() {
        if (GetParam() == "sqlite") return (m_dir.path() / "sub" / ("runs-" + std::to_string(m_count++) + ".sqlite")).string();
        m_database = m_server->create_database();
        return m_server->uri(m_database);
    }
    // Raw SQL on the last fresh store, as the backend's own client would run it.
    void raw(const std::string& location, const std::string& sql) {
        if (GetParam() == "sqlite") sqlite_exec(location, sql);
        else m_server->admin(sql, m_database);
    }
    // A literal BYTEA/BLOB of `bytes` zero bytes, in the backend's spelling.
    std::string zero_blob(int bytes) const {
        const std::string hex(static_cast<std::size_t>(bytes) * 2, '0');
        return GetParam() == "sqlite" ? "x'" + hex + "'" : "'\\x" + hex + "'::bytea";
    }

    test::TempDir m_dir;
    test::PostgresServer* m_server = nullptr;
    std::string m_database;
    int m_count = 0;
};

}  // namespace

INSTANTIATE_TEST_SUITE_P(Backends, RunStoreTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

TEST_P(RunStoreTest, FinishedRunRoundTrips) {
    RunStore db(fresh_store());
    auto timeline = small_timeline();
    // Doubles come back bit for bit (PostgreSQL's text form included).
    timeline.metrics.push_back({1.5, "ratio", 0.1 + 0.2});
    timeline.rows[2].values[0] = 1e-310;
    auto record = finished_record("20230615T120000Z-abcd", timeline);
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
    EXPECT_EQ(items[0].job_key, "");

    const auto run = db.load("20230615");
    EXPECT_TRUE(run.has_summary);
    EXPECT_EQ(run.record.id, record.id);
    EXPECT_EQ(run.record.command, record.command);
    ASSERT_EQ(run.timeline.rows.size(), 5u);
    EXPECT_DOUBLE_EQ(run.timeline.rows[4].values[0], 120.0);
    EXPECT_EQ(run.timeline.rows[2].values[0], 1e-310);
    EXPECT_DOUBLE_EQ(run.timeline.rows[4].energy_j[0], 5.0);
    EXPECT_EQ(run.timeline.rows[4].utc_ms, timeline.rows[4].utc_ms);
    EXPECT_DOUBLE_EQ(run.timeline.channels[0].info.wrap_at, 262143.328851);
    ASSERT_EQ(run.timeline.phases.size(), 2u);
    EXPECT_EQ(run.timeline.metrics[0].name, "loss");
    EXPECT_EQ(run.timeline.metrics[1].value, 0.1 + 0.2);
    // The record comes back typed, as it was measured: nothing to re-parse, nothing recomputed.
    EXPECT_DOUBLE_EQ(run.record.summary.gross_j, 20.0);
    EXPECT_DOUBLE_EQ(*run.record.carbon.g_co2e, 1.5);
    EXPECT_EQ(run.record.summary.phases.size(), record.summary.phases.size());
    EXPECT_TRUE(db.contains(record.id));
    EXPECT_FALSE(db.contains("20230615"));
}

TEST_P(RunStoreTest, InterruptedRunKeepsItsRowsAndSaysSo) {
    const auto location = fresh_store();
    const auto timeline = small_timeline();
    {
        RunStore db(location);
        RunRecord record;
        record.id = "20230615T120000Z-dead";
        record.command = {"sleep", "100"};
        record.job = job_on("slurm:42.0", "gpu-7");
        db.begin_run(record, timeline);
        db.append(record.id, all_of(timeline));
        // ... and powerml dies here: no finish_run.
    }
    RunStore db(location);
    const auto items = db.list();
    ASSERT_EQ(items.size(), 1u);
    EXPECT_EQ(items[0].status, "interrupted");
    EXPECT_FALSE(items[0].exit_status);
    const auto run = db.load("20230615T120000Z-dead");
    EXPECT_EQ(run.timeline.rows.size(), 5u);
    EXPECT_FALSE(run.has_summary);
    EXPECT_EQ(run.record.status, "interrupted");
    EXPECT_DOUBLE_EQ(run.timeline.job_end_s, 2.0);
    // The row says which job and node it was, though no summary was written.
    ASSERT_TRUE(run.record.job);
    EXPECT_EQ(run.record.job->key, "slurm:42.0");
    EXPECT_EQ(run.record.job->node, "gpu-7");
}

TEST_P(RunStoreTest, UnknownAndAmbiguousIdsAreErrors) {
    RunStore db(fresh_store());
    const auto timeline = small_timeline();
    for (const char* id : {"2023-a", "2023-b"}) {
        RunRecord record;
        record.id = id;
        db.begin_run(record, timeline);
    }
    EXPECT_THROW(db.load("1999"), Error);
    EXPECT_THROW(db.load("2023"), Error);
    EXPECT_THROW(db.resolve_id(""), Error);
    EXPECT_EQ(db.load("2023-b").record.id, "2023-b");
    EXPECT_EQ(db.resolve_id("2023-a"), "2023-a");
}

// Rows appended in pieces (as the store writer does every second) land at their positions, and
// appending the same piece again changes nothing.
TEST_P(RunStoreTest, AppendByPositionIsIdempotent) {
    RunStore db(fresh_store());
    const auto timeline = small_timeline();
    RunRecord record;
    record.id = "20230615T120000Z-0001";
    db.begin_run(record, timeline);
    record::TimelineTail first, second;
    first.rows.assign(timeline.rows.begin(), timeline.rows.begin() + 2);
    second.first_row = 2;
    second.rows.assign(timeline.rows.begin() + 2, timeline.rows.end());
    second.phases = timeline.phases;
    second.metrics = timeline.metrics;
    db.append(record.id, first);
    db.append(record.id, second);
    db.append(record.id, second);
    const auto run = db.load(record.id);
    ASSERT_EQ(run.timeline.rows.size(), 5u);
    EXPECT_DOUBLE_EQ(run.timeline.rows[3].t_s, 1.5);
    EXPECT_EQ(run.timeline.phases.size(), 2u);
    EXPECT_EQ(run.timeline.metrics.size(), 1u);
}

TEST_P(RunStoreTest, ReadOnlyOpenReadsAndNeverWrites) {
    const auto location = fresh_store();
    const auto timeline = small_timeline();
    {
        RunStore db(location);
        db.begin_run(finished_record("2023-ro", timeline), timeline);
    }
    RunStore reader(location, RunStore::Mode::read_only);
    EXPECT_EQ(reader.list().size(), 1u);
    EXPECT_THROW(reader.begin_run(finished_record("2023-write", timeline), timeline), Error);
    EXPECT_THROW(reader.update_job_window("2023-ro", 1, 0, 0), Error);
    EXPECT_EQ(reader.list().size(), 1u);
}

// A run's job key and node are stored from its record; one job's runs come back oldest first,
// whichever order the nodes wrote them in.
TEST_P(RunStoreTest, RunsOfOneJobAreFoundByItsKey) {
    RunStore db(fresh_store());
    const auto timeline = small_timeline();
    const auto add = [&](const std::string& id, UtcMillis started, std::optional<record::JobIdentity> job) {
        auto record = finished_record(id, timeline);
        record.started_utc_ms = started;
        record.job = std::move(job);
        db.begin_run(record, timeline);
        db.finish_run(record, timeline, phases_csv(record));
    };
    add("run-node-b", 2000, job_on("slurm:42.0", "node-b"));
    add("run-node-a", 1000, job_on("slurm:42.0", "node-a"));
    add("run-other", 1500, job_on("slurm:43.0", "node-a"));
    add("run-alone", 500, std::nullopt);
    EXPECT_EQ(db.job_run_ids("slurm:42.0"), (std::vector<std::string>{"run-node-a", "run-node-b"}));
    EXPECT_EQ(db.job_run_ids("slurm:43.0"), std::vector<std::string>{"run-other"});
    EXPECT_TRUE(db.job_run_ids("slurm:44.0").empty());
    for (const auto& item : db.list()) {
        if (item.id == "run-node-b") {
            EXPECT_EQ(item.job_key, "slurm:42.0");
            EXPECT_EQ(item.node, "node-b");
        }
        if (item.id == "run-alone") {
            EXPECT_EQ(item.job_key, "");
        }
    }
    ASSERT_TRUE(db.load("run-node-b").record.job);
    EXPECT_EQ(db.load("run-node-b").record.job->node, "node-b");
}

TEST_P(RunStoreTest, DamagedRowsAreFlaggedNeverReadPast) {
    const auto location = fresh_store();
    RunStore db(location);
    const auto timeline = small_timeline();
    RunRecord record;
    record.id = "2023-broken";
    db.begin_run(record, timeline);
    db.append(record.id, all_of(timeline));
    db.begin_run(finished_record("2023-fine", timeline), timeline);
    // One sample too short for its channel, one command that is not JSON.
    raw(location, "UPDATE samples SET vals = " + zero_blob(3) + " WHERE run_id = '2023-broken' AND seq = 2");
    try {
        db.load("2023-broken");
        ADD_FAILURE() << "a short sample was read";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("is damaged: sample 2 holds 0 values for 1 channels"), std::string::npos) << e.what();
    }
    raw(location, "UPDATE runs SET command = 'not json' WHERE id = '2023-broken'");
    const auto items = db.list();
    ASSERT_EQ(items.size(), 2u);
    for (const auto& item : items) EXPECT_EQ(item.status, item.id == "2023-broken" ? "damaged" : "interrupted") << item.id;
}

TEST_P(RunStoreTest, NewerSchemaIsRefused) {
    const auto location = fresh_store();
    { RunStore db(location); }
    raw(location, "UPDATE meta SET value = '99' WHERE key = 'schema_version'");
    try {
        RunStore db(location);
        ADD_FAILURE() << "a newer schema was opened";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("newer PowerML (schema 99, this one reads up to 2)"), std::string::npos) << e.what();
    }
}

TEST_P(RunStoreTest, ExperimentStateLivesInTheSameStore) {
    const auto location = fresh_store();
    ExperimentStore state(location);
    state.create("batch-size", "[experiment]\nname = \"batch-size\"\n", 1000, {{"small", 1}, {"small", 2}, {"large", 1}});
    EXPECT_TRUE(state.exists("batch-size"));
    EXPECT_THROW(state.create("batch-size", "", 1000, {}), Error);
    state.mark_running("batch-size", 0, 2000);
    ExperimentRunItem done;
    done.seq = 0;
    done.status = "finished";
    done.run_id = "2023-run";
    done.exit_status = 0;
    done.started_utc_ms = 2000;
    done.ended_utc_ms = 3000;
    state.mark_done("batch-size", done);
    ExperimentRunItem failed = done;
    failed.seq = 1;
    failed.status = "failed";
    failed.exit_status = std::nullopt;
    failed.error = "could not start";
    state.mark_done("batch-size", failed);
    const auto info = state.info("batch-size");
    EXPECT_EQ(info.total, 3u);
    EXPECT_EQ(info.finished, 1u);
    EXPECT_EQ(info.failed, 1u);
    EXPECT_EQ(info.created_utc_ms, 1000);
    const auto items = state.items("batch-size");
    ASSERT_EQ(items.size(), 3u);
    EXPECT_EQ(items[0].run_id, "2023-run");
    EXPECT_EQ(items[0].exit_status, 0);
    EXPECT_FALSE(items[1].exit_status);
    EXPECT_EQ(items[1].error, "could not start");
    EXPECT_EQ(items[2].scenario, "large");
    EXPECT_EQ(items[2].status, "pending");
    state.mark_pending("batch-size", 0);
    EXPECT_EQ(state.items("batch-size")[0].run_id, "");
    EXPECT_EQ(state.list().size(), 1u);
    // The run store opens the same location and its schema.
    EXPECT_TRUE(RunStore(location).list().empty());
    state.remove("batch-size");
    EXPECT_FALSE(state.exists("batch-size"));
    EXPECT_THROW(state.info("batch-size"), Error);
}

// ---- SQLite only: files and folders, and the version 1 layout.

TEST(SqliteRunStoreTest, UnopenableFileIsAnError) {
    test::TempDir dir;
    dir.write("file", "x");
    EXPECT_THROW(RunStore(dir.path() / "file" / "runs.sqlite"), Error);
}

TEST(SqliteRunStoreTest, ReadOnlyOpenNeverCreatesAFile) {
    test::TempDir dir;
    const auto file = dir.path() / "none.sqlite";
    EXPECT_THROW(RunStore(file, RunStore::Mode::read_only), Error);
    EXPECT_FALSE(std::filesystem::exists(file));
    { RunStore db(file); }
    const RunStore reader(file, RunStore::Mode::read_only);
    EXPECT_TRUE(reader.list().empty());
}

// A file written by PowerML before schema 2 (its DDL as it was, and the experiment tables the
// experiment module created on its own): read as it is when read-only, upgraded in place on
// the first read-write open, with every run and experiment kept.
TEST(SqliteRunStoreTest, Version1FileIsReadAndUpgradedInPlace) {
    test::TempDir dir;
    const auto file = dir.path() / "v1.sqlite";
    sqlite_exec(file, R"(PRAGMA journal_mode=WAL;
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE runs (
          id TEXT PRIMARY KEY, status TEXT NOT NULL, command TEXT NOT NULL, host TEXT NOT NULL,
          started_utc_ms INTEGER NOT NULL, ended_utc_ms INTEGER, exit_status INTEGER, zone TEXT,
          interval_s REAL NOT NULL, timeline_start_utc_ms INTEGER NOT NULL,
          baseline_end_s REAL, job_start_s REAL, job_end_s REAL, quality TEXT,
          net_j REAL, g_co2e REAL, duration_s REAL, summary_json TEXT, phases_csv TEXT);
        CREATE TABLE channels (run_id TEXT NOT NULL, idx INTEGER NOT NULL, info TEXT NOT NULL, PRIMARY KEY (run_id, idx));
        CREATE TABLE samples (run_id TEXT NOT NULL, seq INTEGER NOT NULL, t_s REAL NOT NULL,
          utc_ms INTEGER NOT NULL, vals BLOB NOT NULL, energy BLOB NOT NULL, PRIMARY KEY (run_id, seq));
        CREATE TABLE phase_events (run_id TEXT NOT NULL, seq INTEGER NOT NULL, t_s REAL NOT NULL,
          utc_ms INTEGER NOT NULL, name TEXT NOT NULL, is_begin INTEGER NOT NULL, PRIMARY KEY (run_id, seq));
        CREATE TABLE metric_events (run_id TEXT NOT NULL, seq INTEGER NOT NULL, t_s REAL NOT NULL,
          name TEXT NOT NULL, value REAL NOT NULL, PRIMARY KEY (run_id, seq));
        INSERT INTO meta VALUES ('schema_version', '1');
        INSERT INTO runs (id, status, command, host, started_utc_ms, interval_s, timeline_start_utc_ms, job_start_s)
          VALUES ('2022-old', 'running', '["sleep","1"]', 'edge-1', 1000, 0.5, 1000, 0);
        INSERT INTO samples VALUES ('2022-old', 0, 0.0, 1000, x'', x'');
        CREATE TABLE experiments (name TEXT PRIMARY KEY, spec TEXT NOT NULL, created_utc_ms INTEGER NOT NULL);
        CREATE TABLE experiment_runs (experiment TEXT NOT NULL, seq INTEGER NOT NULL,
          scenario TEXT NOT NULL, repetition INTEGER NOT NULL, status TEXT NOT NULL, run_id TEXT,
          exit_status INTEGER, error TEXT, started_utc_ms INTEGER, ended_utc_ms INTEGER, PRIMARY KEY (experiment, seq));
        INSERT INTO experiments VALUES ('old-experiment', 'spec', 500);)");
    const auto version = [&] {
        sqlite3* db = nullptr;
        sqlite3_open(file.c_str(), &db);
        sqlite3_stmt* q = nullptr;
        sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = 'schema_version'", -1, &q, nullptr);
        std::string v = sqlite3_step(q) == SQLITE_ROW ? reinterpret_cast<const char*>(sqlite3_column_text(q, 0)) : "";
        sqlite3_finalize(q);
        sqlite3_close(db);
        return v;
    };
    {
        const RunStore reader(file, RunStore::Mode::read_only);
        const auto items = reader.list();
        ASSERT_EQ(items.size(), 1u);
        EXPECT_EQ(items[0].job_key, "");
        EXPECT_TRUE(reader.job_run_ids("anything").empty());
        EXPECT_EQ(reader.load("2022-old").record.command, (std::vector<std::string>{"sleep", "1"}));
    }
    EXPECT_EQ(version(), "1");  // reading changed nothing

    RunStore db(file);
    EXPECT_EQ(version(), "2");
    const auto timeline = small_timeline();
    auto record = finished_record("2024-new", timeline);
    record.job = job_on("torchrun:abc", "node-1");
    db.begin_run(record, timeline);
    db.finish_run(record, timeline, phases_csv(record));
    EXPECT_EQ(db.job_run_ids("torchrun:abc"), std::vector<std::string>{"2024-new"});
    EXPECT_EQ(db.list().size(), 2u);
    EXPECT_EQ(db.load("2022-old").record.status, "interrupted");
    EXPECT_TRUE(ExperimentStore(file).exists("old-experiment"));
}

// ---- PostgreSQL only: many writers at once, and connection errors.

TEST(LocationTest, WhichLocationsAreDatabases) {
    for (const char* db : {"postgresql://h/db", "postgres://u@h:5433/db?sslmode=require", "service=team", "host=db.lab dbname=powerml"})
        EXPECT_TRUE(is_postgresql_location(db)) << db;
    for (const char* file : {"runs.sqlite", "/var/lib/powerml/runs.sqlite", "./dbname=x", "/tmp/a=b", "postgresql.sqlite", "x=y"})
        EXPECT_FALSE(is_postgresql_location(file)) << file;
}

TEST(LocationTest, ShownLocationsHoldNoPassword) {
    const std::string secret = "Hunter2-Passw0rd";
    for (const std::string& location :
         {"postgresql://alice:" + secret + "@db.lab:5432/powerml", "postgres://alice:" + secret + "@db.lab/powerml?sslmode=require",
          "postgresql://db.lab/powerml?user=alice&password=" + secret, "host=db.lab dbname=powerml password=" + secret,
          "host=db.lab password='" + secret + " with spaces' dbname=powerml",
          // Not a URI libpq can read ('/' in the password): still never shown.
          "postgresql://alice:" + secret + "/x@db.lab/powerml"}) {
        const auto shown = redacted_location(location);
        EXPECT_EQ(shown.find("Hunter2"), std::string::npos) << shown;
        EXPECT_NE(shown.find("db.lab"), std::string::npos) << shown;
    }
    EXPECT_EQ(redacted_location("postgresql://alice:p%40ss-w0rd-long@db.lab/x").find("w0rd"), std::string::npos);
    EXPECT_EQ(redacted_location("/var/lib/powerml/runs.sqlite"), "/var/lib/powerml/runs.sqlite");
    EXPECT_EQ(redacted_location("postgresql://db.lab/powerml"), "postgresql://db.lab/powerml");
}

// Several processes (nodes) open one new database at the same moment, all racing to create
// its schema, then write their runs concurrently: every run lands, whole.
TEST(PostgresRunStoreTest, ConcurrentWritersFromSeveralProcesses) {
    auto* server = test::PostgresServer::shared();
    ASSERT_TRUE(server);
    const std::string location = server->uri(server->create_database());
    constexpr int k_nodes = 6, k_runs = 4;
    const auto timeline = small_timeline();
    std::vector<pid_t> children;
    for (int node = 0; node < k_nodes; ++node) {
        const pid_t pid = ::fork();
        ASSERT_GE(pid, 0);
        if (pid == 0) {
            // The child never returns into the test (nor runs the parent's exit handlers, which
            // would stop the server): _exit with what happened.
            int status = 0;
            try {
                RunStore db(location);
                for (int k = 0; k < k_runs; ++k) {
                    auto record = finished_record("node" + std::to_string(node) + "-run" + std::to_string(k), timeline);
                    record.started_utc_ms = timeline.start_utc_ms + k;
                    record.job = job_on("job:concurrent", "node" + std::to_string(node));
                    db.begin_run(record, timeline);
                    record::TimelineTail first;
                    first.rows.assign(timeline.rows.begin(), timeline.rows.begin() + 3);
                    db.append(record.id, first);
                    db.finish_run(record, timeline, phases_csv(record));
                }
            } catch (const std::exception& e) {
                std::fprintf(stderr, "node %d: %s\n", node, e.what());
                status = 1;
            }
            ::_exit(status);
        }
        children.push_back(pid);
    }
    for (const pid_t pid : children) {
        int status = -1;
        ::waitpid(pid, &status, 0);
        EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "a writer failed (its message is above)";
    }
    const RunStore db(location, RunStore::Mode::read_only);
    EXPECT_EQ(db.list(1000).size(), static_cast<std::size_t>(k_nodes * k_runs));
    const auto ids = db.job_run_ids("job:concurrent");
    ASSERT_EQ(ids.size(), static_cast<std::size_t>(k_nodes * k_runs));
    for (const auto& id : ids) {
        const auto run = db.load(id);
        EXPECT_EQ(run.timeline.rows.size(), 5u) << id;
        EXPECT_TRUE(run.has_summary) << id;
    }
}

// Connection failures say which server and database in one line, and never the password,
// whether it came in a URI, in key=value form, or was wrong.
TEST(PostgresRunStoreTest, ConnectionErrorsNameTheServerNeverThePassword) {
    auto* server = test::PostgresServer::shared();
    ASSERT_TRUE(server);
    const std::string database = server->create_database();
    const std::string wrong = "Wr0ng-Passw0rd-Given";
    const std::string port = std::to_string(server->port());
    const std::string closed_port = std::to_string(test::free_port());
    const std::vector<std::string> locations = {
        server->uri(database, wrong),
        "host=127.0.0.1 port=" + port + " dbname=" + database + " user=powerml password=" + wrong,
        server->uri("no_such_database"),
        "postgresql://powerml:" + wrong + "@127.0.0.1:" + closed_port + "/" + database,
        "postgresql://powerml:" + wrong + "@127.0.0.1:" + port + "/" + database + "?sslmode=bogus",
    };
    for (const auto& location : locations) {
        try {
            RunStore db(location);
            ADD_FAILURE() << "opened " << redacted_location(location);
        } catch (const Error& e) {
            const std::string message = e.what();
            EXPECT_EQ(message.find(wrong), std::string::npos) << message;
            EXPECT_EQ(message.find(test::PostgresServer::k_password), std::string::npos) << message;
            EXPECT_EQ(message.find('\n'), std::string::npos) << message;
            EXPECT_NE(message.find("127.0.0.1"), std::string::npos) << message;
            EXPECT_NE(message.find("cannot connect to the run store"), std::string::npos) << message;
        }
    }
    // A password libpq would misread (a raw '/' makes part of it the port and database) is
    // refused before libpq sees it, and shown nowhere.
    try {
        RunStore db("postgresql://powerml:Secr3t/Passw0rd@127.0.0.1:" + port + "/" + database);
        ADD_FAILURE() << "opened a URI with a raw '/' in its password";
    } catch (const Error& e) {
        EXPECT_EQ(std::string(e.what()).find("Secr3t"), std::string::npos) << e.what();
        EXPECT_EQ(std::string(e.what()).find("Passw0rd"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("percent-encode"), std::string::npos) << e.what();
    }
    // A statement's error (here: a read-only session asked to write) carries no password either.
    try {
        RunStore(server->uri(database));
        RunStore reader(server->uri(database), RunStore::Mode::read_only);
        reader.update_job_window("x", 0, 0, 0);
        ADD_FAILURE() << "a read-only session wrote";
    } catch (const Error& e) {
        EXPECT_EQ(std::string(e.what()).find(test::PostgresServer::k_password), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("read-only transaction"), std::string::npos) << e.what();
    }
}

// A database nothing has written to yet reads as an empty store, and stays untouched.
TEST(PostgresRunStoreTest, ReadOnlyOpenOfAnEmptyDatabaseCreatesNothing) {
    auto* server = test::PostgresServer::shared();
    ASSERT_TRUE(server);
    const std::string location = server->uri(server->create_database());
    {
        const RunStore reader(location, RunStore::Mode::read_only);
        EXPECT_TRUE(reader.list().empty());
        EXPECT_FALSE(reader.contains("x"));
        EXPECT_TRUE(reader.job_run_ids("x").empty());
        EXPECT_THROW(reader.load("x"), Error);
    }
    // Still no table: the query divides by zero if the store created its meta table.
    EXPECT_NO_THROW(server->admin("SELECT 1 / (CASE WHEN to_regclass('meta') IS NULL THEN 1 ELSE 0 END)", location.substr(location.rfind('/') + 1)));
}

// Two ranks, or two jobs, starting on a fresh store at once: switching the file to WAL needs it
// to itself, and SQLite answers that with "database is locked" at once, not after the busy
// timeout. The store waits for the other process's lock as it does for any other.
TEST(RunStoreTest, OpeningWaitsForAnotherProcessHoldingTheFileWhileItSwitchesToWal) {
    test::TempDir dir;
    const auto file = dir.path() / "fresh.sqlite";
    sqlite3* other = nullptr;
    ASSERT_EQ(sqlite3_open(file.c_str(), &other), SQLITE_OK);
    // The other process is itself between BEGIN IMMEDIATE and COMMIT (as when it creates the
    // schema): our switch must wait, not take the deadlock-avoiding "locked" as an answer.
    ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE; CREATE TABLE held (x);", nullptr, nullptr, nullptr), SQLITE_OK);
    std::thread release([other] {
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        sqlite3_exec(other, "COMMIT", nullptr, nullptr, nullptr);
    });
    const auto start = std::chrono::steady_clock::now();
    try {
        store::RunStore opened(file);
        EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(200)) << "the lock was not held";
    } catch (const Error& e) {
        ADD_FAILURE() << "opening gave up while another process held the file: " << e.what();
    }
    release.join();
    sqlite3_close(other);
}
