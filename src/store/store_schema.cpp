#include "store_schema.hpp"

#include <charconv>

#include <fmt/format.h>

#include "powerml/core/error.hpp"
#include "powerml/store/run_store.hpp"

namespace powerml::store {

namespace {

// One step per version, in order; step N takes a version N-1 store to version N (step 1 makes
// one from nothing). Each ends by recording the version it reached. {int}, {real} and {blob}
// are the backend's column types.
constexpr const char* k_migrations[] = {
    // 1
    R"(CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
       CREATE TABLE IF NOT EXISTS runs (
         id TEXT PRIMARY KEY, status TEXT NOT NULL, command TEXT NOT NULL, host TEXT NOT NULL,
         started_utc_ms {int} NOT NULL, ended_utc_ms {int}, exit_status {int}, zone TEXT,
         interval_s {real} NOT NULL, timeline_start_utc_ms {int} NOT NULL,
         baseline_end_s {real}, job_start_s {real}, job_end_s {real}, quality TEXT,
         net_j {real}, g_co2e {real}, duration_s {real}, summary_json TEXT, phases_csv TEXT);
       CREATE TABLE IF NOT EXISTS channels (run_id TEXT NOT NULL, idx {int} NOT NULL, info TEXT NOT NULL,
         PRIMARY KEY (run_id, idx));
       CREATE TABLE IF NOT EXISTS samples (run_id TEXT NOT NULL, seq {int} NOT NULL, t_s {real} NOT NULL,
         utc_ms {int} NOT NULL, vals {blob} NOT NULL, energy {blob} NOT NULL, PRIMARY KEY (run_id, seq));
       CREATE TABLE IF NOT EXISTS phase_events (run_id TEXT NOT NULL, seq {int} NOT NULL, t_s {real} NOT NULL,
         utc_ms {int} NOT NULL, name TEXT NOT NULL, is_begin {int} NOT NULL, PRIMARY KEY (run_id, seq));
       CREATE TABLE IF NOT EXISTS metric_events (run_id TEXT NOT NULL, seq {int} NOT NULL, t_s {real} NOT NULL,
         name TEXT NOT NULL, value {real} NOT NULL, PRIMARY KEY (run_id, seq));
       INSERT INTO meta (key, value) VALUES ('schema_version', '1') ON CONFLICT (key) DO NOTHING;)",
    // 2: a run's place in a distributed job; the experiment state's tables (IF NOT EXISTS: a
    // version 1 file may have them from the experiment module's own SQL).
    R"(ALTER TABLE runs ADD COLUMN job_key TEXT;
       ALTER TABLE runs ADD COLUMN node TEXT;
       CREATE INDEX IF NOT EXISTS runs_job_key ON runs (job_key);
       CREATE TABLE IF NOT EXISTS experiments (name TEXT PRIMARY KEY, spec TEXT NOT NULL,
         created_utc_ms {int} NOT NULL);
       CREATE TABLE IF NOT EXISTS experiment_runs (experiment TEXT NOT NULL, seq {int} NOT NULL,
         scenario TEXT NOT NULL, repetition {int} NOT NULL, status TEXT NOT NULL, run_id TEXT,
         exit_status {int}, error TEXT, started_utc_ms {int}, ended_utc_ms {int},
         PRIMARY KEY (experiment, seq));
       UPDATE meta SET value = '2' WHERE key = 'schema_version';)",
};
static_assert(std::size(k_migrations) == RunStore::k_schema_version, "one migration step per schema version");

std::optional<int> parse_version(const std::string& text) {
    int value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value < 1) return std::nullopt;
    return value;
}

// The version in meta; nothing when meta has no such row.
std::optional<std::string> stored_version(SqlConnection& db) {
    const auto q = db.prepare("SELECT value FROM meta WHERE key = 'schema_version'");
    if (!q->step()) return std::nullopt;
    return q->text(0);
}

}  // namespace

void migrate(SqlConnection& db) {
    SchemaTransaction tx(db);
    int version = 0;
    if (db.has_table("meta"))
        if (const auto text = stored_version(db)) version = parse_version(*text).value_or(RunStore::k_schema_version);
    const auto& types = db.types();
    for (int step = version; step < RunStore::k_schema_version; ++step)
        db.exec(fmt::format(fmt::runtime(k_migrations[step]), fmt::arg("int", types.integer), fmt::arg("real", types.real),
                            fmt::arg("blob", types.blob)));
    tx.commit();
}

int schema_version(SqlConnection& db) {
    if (!db.has_table("meta")) {
        if (db.is_postgresql()) return 0;
        throw Error("run store " + db.shown() + " has no schema version: it holds no runs, or is not a PowerML run store");
    }
    const auto text = stored_version(db);
    if (!text) throw Error("run store " + db.shown() + " has no schema version: it is not a PowerML run store");
    const auto v = parse_version(*text);
    if (!v)
        throw Error("run store " + db.shown() + " has an unreadable schema version '" + *text +
                    "': the file is damaged or not a PowerML run store");
    if (*v > RunStore::k_schema_version)
        throw Error("run store " + db.shown() + " was written by a newer PowerML (schema " + *text + ", this one reads up to " +
                    std::to_string(RunStore::k_schema_version) + ")");
    return *v;
}

}  // namespace powerml::store
