#pragma once
// Where an experiment stands, kept in its run store (store::ExperimentStore owns the tables and
// their SQL, on SQLite or PostgreSQL) so that an interrupted experiment resumes without
// redoing finished repetitions. Each planned run is pending, running (being measured, or
// powerml died while it was), finished or failed (recorded, not retried).
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "powerml/core/time.hpp"
#include "powerml/experiment/experiment_spec.hpp"
#include "powerml/store/experiment_store.hpp"

namespace powerml::experiment {

using RunItem = store::ExperimentRunItem;
using ExperimentInfo = store::ExperimentInfo;

class ExperimentState {
public:
    // Opens the run store at `db_file` (a SQLite file or a PostgreSQL database). Throws Error naming it.
    explicit ExperimentState(const std::filesystem::path& db_file) : m_store(db_file) {}

    bool exists(const std::string& name) const { return m_store.exists(name); }
    // Records the spec and its planned runs. Throws Error if the name is taken.
    void create(const ExperimentSpec& spec, const std::vector<PlannedRun>& plan);
    // Forgets the experiment's state (its measured runs stay in the run store).
    void remove(const std::string& name) { m_store.remove(name); }

    ExperimentInfo info(const std::string& name) const { return m_store.info(name); }  // Throws Error when unknown
    std::vector<ExperimentInfo> list() const { return m_store.list(); }
    std::vector<RunItem> items(const std::string& name) const { return m_store.items(name); }

    void mark_running(const std::string& name, int seq, UtcMillis started) { m_store.mark_running(name, seq, started); }
    void mark_done(const std::string& name, const RunItem& item) { m_store.mark_done(name, item); }  // finished or failed
    // Back to pending: the run was interrupted and will be measured again.
    void mark_pending(const std::string& name, int seq) { m_store.mark_pending(name, seq); }

private:
    store::ExperimentStore m_store;
};

}  // namespace powerml::experiment
