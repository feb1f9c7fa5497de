#pragma once
// The SQLite run store: every measurement's channels, every sample (the idle baseline's
// included), phase and metric events as they happen, and its summary as the record codec
// wrote it. A killed powerml loses at most the last second; such a run stays 'running' and
// reads back as 'interrupted'. The store computes nothing: it hands back typed records.
#include <filesystem>
#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "powerml/record/run_record.hpp"
#include "powerml/record/timeline.hpp"

struct sqlite3;

namespace powerml::store {

struct RunListItem {
    std::string id;
    std::string status;  // finished | interrupted | damaged
    UtcMillis started_utc_ms = 0;
    double duration_s = 0;
    std::optional<int> exit_status;
    std::optional<double> net_j;
    std::optional<double> g_co2e;
    std::string command;
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
    static constexpr int k_schema_version = 1;
    enum class Mode { read_write, read_only };

    // Opens or creates the database (and its folder); read_only never writes and works on a
    // file or folder without write permission. Throws Error naming the file.
    explicit RunStore(const std::filesystem::path& file, Mode mode = Mode::read_write);
    ~RunStore();
    RunStore(const RunStore&) = delete;
    RunStore& operator=(const RunStore&) = delete;

    const std::filesystem::path& file() const { return m_file; }

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
    // Ids of every run of the distributed job `job_key`, oldest first.
    std::vector<std::string> job_run_ids(const std::string& job_key) const;
    std::string resolve_id(const std::string& id_or_prefix) const;

private:
    void exec(const char* sql) const;
    void migrate();
    bool readable() const;
    std::filesystem::path m_file;
    sqlite3* m_db = nullptr;
    Mode m_mode;
    std::size_t m_rows_stored = 0, m_phases_stored = 0, m_metrics_stored = 0;
};

}  // namespace powerml::store
