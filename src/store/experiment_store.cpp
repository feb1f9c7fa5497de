#include "powerml/store/experiment_store.hpp"

#include "powerml/core/error.hpp"
#include "sql_connection.hpp"
#include "store_schema.hpp"

namespace powerml::store {

ExperimentStore::ExperimentStore(const std::filesystem::path& location)
    : m_db(open_connection(location.string(), SqlConnection::Mode::read_write)) {
    migrate(*m_db);
    schema_version(*m_db);  // refuses a newer schema, as the run store does
}

ExperimentStore::~ExperimentStore() = default;

bool ExperimentStore::exists(const std::string& name) const {
    const auto q = m_db->prepare("SELECT 1 FROM experiments WHERE name = $1");
    q->bind(1, name);
    return q->step();
}

void ExperimentStore::create(const std::string& name, const std::string& spec_text, UtcMillis created_utc_ms,
                             const std::vector<PlannedItem>& plan) {
    if (exists(name)) throw Error("experiment '" + name + "' already exists in " + m_db->shown());
    SqlTransaction tx(*m_db);
    const auto insert = m_db->prepare("INSERT INTO experiments (name, spec, created_utc_ms) VALUES ($1, $2, $3)");
    insert->bind(1, name).bind(2, spec_text).bind(3, created_utc_ms).run();
    const auto item = m_db->prepare(
        "INSERT INTO experiment_runs (experiment, seq, scenario, repetition, status) VALUES ($1, $2, $3, $4, 'pending')");
    for (std::size_t i = 0; i < plan.size(); ++i)
        item->bind(1, name).bind(2, static_cast<int>(i)).bind(3, plan[i].scenario).bind(4, plan[i].repetition).run();
    tx.commit();
}

void ExperimentStore::remove(const std::string& name) {
    SqlTransaction tx(*m_db);
    m_db->prepare("DELETE FROM experiment_runs WHERE experiment = $1")->bind(1, name).run();
    m_db->prepare("DELETE FROM experiments WHERE name = $1")->bind(1, name).run();
    tx.commit();
}

ExperimentInfo ExperimentStore::info(const std::string& name) const {
    const auto q = m_db->prepare(
        "SELECT e.name, e.spec, e.created_utc_ms, COUNT(r.seq),"
        " COALESCE(SUM(CASE WHEN r.status = 'finished' THEN 1 ELSE 0 END), 0),"
        " COALESCE(SUM(CASE WHEN r.status = 'failed' THEN 1 ELSE 0 END), 0)"
        " FROM experiments e LEFT JOIN experiment_runs r ON r.experiment = e.name WHERE e.name = $1"
        " GROUP BY e.name, e.spec, e.created_utc_ms");
    q->bind(1, name);
    if (!q->step()) throw Error("no experiment named '" + name + "' in " + m_db->shown() + " (see 'powerml experiment list')");
    return {q->text(0), q->text(1), q->integer(2), static_cast<std::size_t>(q->integer(3)), static_cast<std::size_t>(q->integer(4)),
            static_cast<std::size_t>(q->integer(5))};
}

std::vector<ExperimentInfo> ExperimentStore::list() const {
    std::vector<ExperimentInfo> out;
    const auto q = m_db->prepare("SELECT name FROM experiments ORDER BY created_utc_ms DESC");
    while (q->step()) out.push_back(info(q->text(0)));
    return out;
}

std::vector<ExperimentRunItem> ExperimentStore::items(const std::string& name) const {
    std::vector<ExperimentRunItem> out;
    const auto q = m_db->prepare(
        "SELECT seq, scenario, repetition, status, run_id, exit_status, error, started_utc_ms, ended_utc_ms"
        " FROM experiment_runs WHERE experiment = $1 ORDER BY seq");
    q->bind(1, name);
    while (q->step()) {
        ExperimentRunItem item;
        item.seq = static_cast<int>(q->integer(0));
        item.scenario = q->text(1);
        item.repetition = static_cast<int>(q->integer(2));
        item.status = q->text(3);
        item.run_id = q->text(4);
        if (!q->is_null(5)) item.exit_status = static_cast<int>(q->integer(5));
        item.error = q->text(6);
        item.started_utc_ms = q->integer(7);
        item.ended_utc_ms = q->integer(8);
        out.push_back(std::move(item));
    }
    return out;
}

void ExperimentStore::mark_running(const std::string& name, int seq, UtcMillis started) {
    const auto q = m_db->prepare("UPDATE experiment_runs SET status = 'running', started_utc_ms = $1 WHERE experiment = $2 AND seq = $3");
    q->bind(1, started).bind(2, name).bind(3, seq).run();
}

void ExperimentStore::mark_done(const std::string& name, const ExperimentRunItem& item) {
    const auto q = m_db->prepare(
        "UPDATE experiment_runs SET status = $1, run_id = $2, exit_status = $3, error = $4, started_utc_ms = $5,"
        " ended_utc_ms = $6 WHERE experiment = $7 AND seq = $8");
    q->bind(1, item.status).bind(2, item.run_id).bind(3, item.exit_status).bind(4, item.error);
    q->bind(5, item.started_utc_ms).bind(6, item.ended_utc_ms).bind(7, name).bind(8, item.seq).run();
}

void ExperimentStore::mark_pending(const std::string& name, int seq) {
    const auto q = m_db->prepare("UPDATE experiment_runs SET status = 'pending', run_id = NULL WHERE experiment = $1 AND seq = $2");
    q->bind(1, name).bind(2, seq).run();
}

}  // namespace powerml::store
