#pragma once
// Where each experiment stands (tables `experiments` and `experiment_runs`, part of the run
// store's schema since version 2), in the same store as its runs: a SQLite file or a
// PostgreSQL database. The experiment module decides what to measure next; this keeps its
// state, so that an interrupted experiment resumes without redoing finished repetitions.
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "powerml/core/time.hpp"

namespace powerml::store {

class SqlConnection;

struct ExperimentRunItem {
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

// One planned run: which scenario, which repetition of it.
struct PlannedItem {
    std::string scenario;
    int repetition = 0;
};

class ExperimentStore {
public:
    // Opens the store at `location` (creating or upgrading its schema, as RunStore does).
    // Throws Error naming it, never with a password.
    explicit ExperimentStore(const std::filesystem::path& location);
    ~ExperimentStore();
    ExperimentStore(const ExperimentStore&) = delete;
    ExperimentStore& operator=(const ExperimentStore&) = delete;

    bool exists(const std::string& name) const;
    // Records the spec's text and its planned runs, all pending. Throws Error if the name is taken.
    void create(const std::string& name, const std::string& spec_text, UtcMillis created_utc_ms,
                const std::vector<PlannedItem>& plan);
    // Forgets the experiment's state (its measured runs stay in the run store).
    void remove(const std::string& name);

    ExperimentInfo info(const std::string& name) const;  // Throws Error when unknown
    std::vector<ExperimentInfo> list() const;             // newest first
    std::vector<ExperimentRunItem> items(const std::string& name) const;

    void mark_running(const std::string& name, int seq, UtcMillis started);
    void mark_done(const std::string& name, const ExperimentRunItem& item);  // finished or failed
    // Back to pending: the run was interrupted and will be measured again.
    void mark_pending(const std::string& name, int seq);

private:
    std::unique_ptr<SqlConnection> m_db;
};

}  // namespace powerml::store
