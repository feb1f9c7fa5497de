#pragma once
// Where an experiment stands, kept in the run store's SQLite file (tables `experiments` and
// `experiment_runs`, owned by this module) so that an interrupted experiment resumes without
// redoing finished repetitions. Each planned run is pending, running (being measured, or
// powerml died while it was), finished or failed (recorded, not retried).
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "powerml/core/time.hpp"
#include "powerml/experiment/experiment_spec.hpp"

struct sqlite3;

namespace powerml::experiment {

struct RunItem {
    int seq = 0;  // position in the planned order
    std::string scenario;
    int repetition = 0;
    std::string status = "pending";  // pending | running | finished | failed
    std::string run_id;              // empty until measured
    std::optional<int> exit_status;
    std::string error;
    UtcMillis started_utc_ms = 0, ended_utc_ms = 0;
};

struct ExperimentInfo {
    std::string name;
    std::string spec_text;
    UtcMillis created_utc_ms = 0;
    std::size_t total = 0, finished = 0, failed = 0;
};

class ExperimentState {
public:
    // Opens (creating the tables in) the run store's database file. Throws Error naming it.
    explicit ExperimentState(const std::filesystem::path& db_file);
    ~ExperimentState();
    ExperimentState(const ExperimentState&) = delete;
    ExperimentState& operator=(const ExperimentState&) = delete;

    bool exists(const std::string& name) const;
    // Records the spec and its planned runs. Throws Error if the name is taken.
    void create(const ExperimentSpec& spec, const std::vector<PlannedRun>& plan);
    // Forgets the experiment's state (its measured runs stay in the run store).
    void remove(const std::string& name);

    ExperimentInfo info(const std::string& name) const;  // Throws Error when unknown
    std::vector<ExperimentInfo> list() const;
    std::vector<RunItem> items(const std::string& name) const;

    void mark_running(const std::string& name, int seq, UtcMillis started);
    void mark_done(const std::string& name, const RunItem& item);  // finished or failed
    // Back to pending: the run was interrupted and will be measured again.
    void mark_pending(const std::string& name, int seq);

private:
    void exec(const char* sql) const;
    std::filesystem::path m_file;
    sqlite3* m_db = nullptr;
};

}  // namespace powerml::experiment
