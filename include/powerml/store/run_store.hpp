#pragma once
// The SQLite run store: every measurement's channels, samples, phase and metric events, and
// its summary. Rows are appended while the job runs (at least every second), so a killed
// powerml loses at most the last second; such a run stays 'running' and reads back as
// 'interrupted'. The store computes nothing.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "powerml/sampler/timeline.hpp"
#include "powerml/store/run_record.hpp"

struct sqlite3;

namespace powerml::store {

struct RunListItem {
    std::string id;
    std::string status;  // finished | interrupted
    UtcMillis started_utc_ms = 0;
    double duration_s = 0;
    std::optional<int> exit_status;
    std::optional<double> net_j;
    std::optional<double> g_co2e;
    std::string command;
};

struct StoredRun {
    std::string id;
    std::string status;
    std::vector<std::string> command;
    std::string host;
    std::optional<int> exit_status;
    std::optional<std::string> zone;
    std::string summary_json;  // empty for an interrupted run
    std::string phases_csv;
    sampler::Timeline timeline;
};

class RunStore {
public:
    static constexpr int k_schema_version = 1;

    // Opens or creates the database (and its folder). Throws Error naming the file.
    explicit RunStore(const std::filesystem::path& file);
    ~RunStore();
    RunStore(const RunStore&) = delete;
    RunStore& operator=(const RunStore&) = delete;

    const std::filesystem::path& file() const { return m_file; }

    void begin_run(const RunRecord& record, const sampler::Timeline& timeline);
    void append_rows(const std::string& run_id, const sampler::Timeline& timeline, std::size_t first_row);
    // Stores the remaining rows, events and the summary; marks the run finished.
    void finish_run(const RunRecord& record, const sampler::Timeline& timeline, const std::string& summary_json,
                    const std::string& phases_csv);

    std::vector<RunListItem> list(std::size_t limit = 50) const;
    // Accepts a full id or a unique prefix. Throws Error when none or several match.
    StoredRun load(const std::string& id_or_prefix) const;

private:
    void exec(const char* sql) const;
    std::string resolve_id(const std::string& id_or_prefix) const;
    std::filesystem::path m_file;
    sqlite3* m_db = nullptr;
    std::size_t m_rows_stored = 0;
};

}  // namespace powerml::store
