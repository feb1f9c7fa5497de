#include "powerml/experiment/experiment_state.hpp"

#include <sqlite3.h>

#include <fmt/format.h>

#include "powerml/core/error.hpp"
#include "powerml/store/sqlite_statement.hpp"

namespace powerml::experiment {

namespace {

// Every statement's errors start with "experiment state".
class Statement : public store::SqliteStatement {
public:
    Statement(sqlite3* db, const char* sql) : store::SqliteStatement(db, sql, "experiment state") {}
};

}  // namespace

ExperimentState::ExperimentState(const std::filesystem::path& db_file) : m_file(db_file) {
    std::error_code ec;
    if (db_file.has_parent_path()) std::filesystem::create_directories(db_file.parent_path(), ec);
    if (sqlite3_open_v2(db_file.c_str(), &m_db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr) !=
        SQLITE_OK) {
        const std::string why = m_db ? sqlite3_errmsg(m_db) : "out of memory";
        sqlite3_close(m_db);
        m_db = nullptr;
        throw Error("cannot open run store " + db_file.string() + ": " + why);
    }
    sqlite3_busy_timeout(m_db, 5000);
    exec("PRAGMA journal_mode=WAL;");
    exec(R"(CREATE TABLE IF NOT EXISTS experiments (name TEXT PRIMARY KEY, spec TEXT NOT NULL,
              created_utc_ms INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS experiment_runs (experiment TEXT NOT NULL, seq INTEGER NOT NULL,
              scenario TEXT NOT NULL, repetition INTEGER NOT NULL, status TEXT NOT NULL, run_id TEXT,
              exit_status INTEGER, error TEXT, started_utc_ms INTEGER, ended_utc_ms INTEGER,
              PRIMARY KEY (experiment, seq));)");
}

ExperimentState::~ExperimentState() { sqlite3_close(m_db); }

void ExperimentState::exec(const char* sql) const {
    char* message = nullptr;
    if (sqlite3_exec(m_db, sql, nullptr, nullptr, &message) != SQLITE_OK) {
        const std::string why = message ? message : "unknown error";
        sqlite3_free(message);
        throw Error("experiment state in " + m_file.string() + ": " + why);
    }
}

bool ExperimentState::exists(const std::string& name) const {
    Statement q(m_db, "SELECT 1 FROM experiments WHERE name = ?");
    q.bind(1, name);
    return q.step();
}

void ExperimentState::create(const ExperimentSpec& spec, const std::vector<PlannedRun>& plan) {
    if (exists(spec.name)) throw Error("experiment '" + spec.name + "' already exists in " + m_file.string());
    exec("BEGIN");
    try {
        Statement insert(m_db, "INSERT INTO experiments VALUES (?, ?, ?)");
        insert.bind(1, spec.name).bind(2, spec.source_text).bind(3, utc_now_ms()).run();
        Statement item(m_db,
                       "INSERT INTO experiment_runs (experiment, seq, scenario, repetition, status) VALUES (?, ?, ?, ?, 'pending')");
        for (std::size_t i = 0; i < plan.size(); ++i)
            item.bind(1, spec.name).bind(2, static_cast<int>(i)).bind(3, plan[i].scenario).bind(4, plan[i].repetition).run();
        exec("COMMIT");
    } catch (...) {
        exec("ROLLBACK");
        throw;
    }
}

void ExperimentState::remove(const std::string& name) {
    exec("BEGIN");
    Statement a(m_db, "DELETE FROM experiment_runs WHERE experiment = ?");
    a.bind(1, name).run();
    Statement b(m_db, "DELETE FROM experiments WHERE name = ?");
    b.bind(1, name).run();
    exec("COMMIT");
}

ExperimentInfo ExperimentState::info(const std::string& name) const {
    Statement q(m_db,
                "SELECT e.name, e.spec, e.created_utc_ms, COUNT(r.seq), SUM(r.status = 'finished'), SUM(r.status = 'failed')"
                " FROM experiments e LEFT JOIN experiment_runs r ON r.experiment = e.name WHERE e.name = ? GROUP BY e.name");
    q.bind(1, name);
    if (!q.step()) throw Error("no experiment named '" + name + "' in " + m_file.string() + " (see 'powerml experiment list')");
    return {q.text(0), q.text(1), q.integer(2), static_cast<std::size_t>(q.integer(3)), static_cast<std::size_t>(q.integer(4)),
            static_cast<std::size_t>(q.integer(5))};
}

std::vector<ExperimentInfo> ExperimentState::list() const {
    std::vector<ExperimentInfo> out;
    Statement q(m_db, "SELECT name FROM experiments ORDER BY created_utc_ms DESC");
    while (q.step()) out.push_back(info(q.text(0)));
    return out;
}

std::vector<RunItem> ExperimentState::items(const std::string& name) const {
    std::vector<RunItem> out;
    Statement q(m_db,
                "SELECT seq, scenario, repetition, status, run_id, exit_status, error, started_utc_ms, ended_utc_ms"
                " FROM experiment_runs WHERE experiment = ? ORDER BY seq");
    q.bind(1, name);
    while (q.step()) {
        RunItem item;
        item.seq = static_cast<int>(q.integer(0));
        item.scenario = q.text(1);
        item.repetition = static_cast<int>(q.integer(2));
        item.status = q.text(3);
        item.run_id = q.text(4);
        if (!q.is_null(5)) item.exit_status = static_cast<int>(q.integer(5));
        item.error = q.text(6);
        item.started_utc_ms = q.integer(7);
        item.ended_utc_ms = q.integer(8);
        out.push_back(std::move(item));
    }
    return out;
}

void ExperimentState::mark_running(const std::string& name, int seq, UtcMillis started) {
    Statement q(m_db, "UPDATE experiment_runs SET status = 'running', started_utc_ms = ? WHERE experiment = ? AND seq = ?");
    q.bind(1, started).bind(2, name).bind(3, seq).run();
}

void ExperimentState::mark_done(const std::string& name, const RunItem& item) {
    Statement q(m_db,
                "UPDATE experiment_runs SET status = ?, run_id = ?, exit_status = ?, error = ?, started_utc_ms = ?,"
                " ended_utc_ms = ? WHERE experiment = ? AND seq = ?");
    q.bind(1, item.status).bind(2, item.run_id);
    if (item.exit_status) q.bind(3, *item.exit_status);
    else q.bind_null(3);
    q.bind(4, item.error).bind(5, item.started_utc_ms).bind(6, item.ended_utc_ms).bind(7, name).bind(8, item.seq).run();
}

void ExperimentState::mark_pending(const std::string& name, int seq) {
    Statement q(m_db, "UPDATE experiment_runs SET status = 'pending', run_id = NULL WHERE experiment = ? AND seq = ?");
    q.bind(1, name).bind(2, seq).run();
}

}  // namespace powerml::experiment
