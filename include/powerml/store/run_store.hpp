#pragma once
// The run store: every measurement's channels, every sample (the idle baseline's included),
// phase and metric events as they happen, and its summary as the record codec wrote it. A
// killed powerml loses at most the last second; such a run stays 'running' and reads back as
// 'interrupted'. The store computes nothing: it hands back typed records.
//
// One store, two backends with the same schema, migrations and semantics: a SQLite file (the
// embedded default, one machine) or a PostgreSQL database (a team's store that many nodes
// write to at once); store_location.hpp says which a location names.
#include <filesystem>
#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "powerml/record/run_record.hpp"
#include "powerml/record/timeline.hpp"

namespace powerml::store {

class SqlConnection;

struct RunListItem {
    std::string id;
    std::string status;  // finished | interrupted | damaged
    UtcMillis started_utc_ms = 0;
    double duration_s = 0;
    std::optional<int> exit_status;
    std::optional<double> net_j;
    std::optional<double> g_co2e;
    std::string command;
    std::string job_key;  // empty for a run that is not part of a distributed job
    std::string node;
    std::string problem;  // for a damaged run: what is wrong with it
};

struct StoredRun {
    // Finished runs: the record as measured (summary, carbon, labels). Interrupted runs: who,
    // what and when only, with status "interrupted"; `has_summary` false: the summary has to
    // be computed from `timeline`.
    record::RunRecord record;
    bool has_summary = false;
    record::Timeline timeline;  // every stored sample, phase and metric event
};

class RunStore {
public:
    // 2: runs carry their job key and node; the experiment state's tables belong to the schema.
    static constexpr int k_schema_version = 2;
    enum class Mode { read_write, read_only };

    // Opens the store at `location`, a SQLite file or a PostgreSQL database (store_location.hpp),
    // creating or upgrading its schema. A file's folder is created; nothing is created for a
    // database but its tables. read_only never writes: it works on a file or folder without
    // write permission, and reads a database in read-only transactions. Throws Error naming
    // the store (never with a password).
    explicit RunStore(const std::filesystem::path& location, Mode mode = Mode::read_write);
    ~RunStore();
    RunStore(const RunStore&) = delete;
    RunStore& operator=(const RunStore&) = delete;

    const std::filesystem::path& file() const { return m_file; }

    // The record's job identity, when it has one, is stored with the run (key and node).
    void begin_run(const record::RunRecord& record, const record::Timeline& timeline);
    // Appends rows and phase and metric events at the tail's positions (idempotent).
    void append(const std::string& run_id, const record::TimelineTail& tail);
    // The job's window opened (after the idle baseline): when, and where in the timeline.
    void update_job_window(const std::string& run_id, UtcMillis started_utc_ms, double baseline_end_s, double job_start_s);
    // Stores what remains and the record (summary.json and phases.csv as the codec writes
    // them); marks the run finished.
    void finish_run(const record::RunRecord& record, const record::Timeline& timeline, const std::string& phases_csv);

    std::vector<RunListItem> list(std::size_t limit = 50) const;
    // Accepts a full id or a unique prefix. Throws Error when none or several match, or when
    // the run's stored data is damaged (naming the run and what is wrong).
    StoredRun load(const std::string& id_or_prefix) const;
    bool contains(const std::string& id) const;
    std::string resolve_id(const std::string& id_or_prefix) const;
    // Every run of one distributed job (one per node and meter), oldest first.
    std::vector<std::string> job_run_ids(const std::string& job_key) const;

private:
    std::filesystem::path m_file;
    std::unique_ptr<SqlConnection> m_db;
    // The schema read: 0 for a database nothing has written to yet (it holds no runs), 1 for
    // a file opened read-only before an upgrade (no job columns).
    int m_version = 0;
    std::size_t m_rows_stored = 0, m_phases_stored = 0, m_metrics_stored = 0;
};

}  // namespace powerml::store
