#include "powerml/store/run_store.hpp"

#include <sqlite3.h>

#include <charconv>
#include <cstring>

#include <nlohmann/json.hpp>

#include "powerml/core/error.hpp"
#include "powerml/record/summary_json.hpp"
#include "powerml/store/sqlite_statement.hpp"

namespace powerml::store {

using nlohmann::json;

namespace {

std::string join_command(const std::vector<std::string>& command) {
    std::string text;
    for (const auto& part : command) text += (text.empty() ? "" : " ") + part;
    return text;
}

// Command lines may hold any bytes: invalid UTF-8 is replaced, never a lost run.
std::string command_json(const std::vector<std::string>& command) {
    return json(command).dump(-1, ' ', false, json::error_handler_t::replace);
}

std::optional<std::vector<std::string>> command_from(const std::string& text) {
    const json j = json::parse(text, nullptr, false);
    if (!j.is_array()) return std::nullopt;
    std::vector<std::string> out;
    for (const auto& part : j) {
        if (!part.is_string()) return std::nullopt;
        out.push_back(part.get<std::string>());
    }
    return out;
}

std::optional<int> parse_version(const std::string& text) {
    int value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value < 1) return std::nullopt;
    return value;
}

}  // namespace

RunStore::RunStore(const std::filesystem::path& file, Mode mode) : m_file(file), m_mode(mode) {
    int flags = SQLITE_OPEN_FULLMUTEX;
    if (mode == Mode::read_only) {
        std::error_code ec;
        if (!std::filesystem::exists(file, ec))
            throw Error("no run store at " + file.string() + " (nothing has been measured with it yet)");
        flags |= SQLITE_OPEN_READONLY;
    } else {
        std::error_code ec;
        if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path(), ec);
        flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    }
    if (sqlite3_open_v2(file.c_str(), &m_db, flags, nullptr) != SQLITE_OK) {
        const std::string why = m_db ? sqlite3_errmsg(m_db) : "out of memory";
        sqlite3_close(m_db);
        m_db = nullptr;
        throw Error("cannot open run store " + file.string() + ": " + why);
    }
    if (mode == Mode::read_only && !readable()) {
        // A store in a folder we may not write to: SQLite cannot create the WAL's shared-memory
        // file there. Read it as immutable (nothing is writing it, or we could not read it at all).
        sqlite3_close(m_db);
        m_db = nullptr;
        const std::string uri = "file:" + file.string() + "?immutable=1";
        if (sqlite3_open_v2(uri.c_str(), &m_db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_FULLMUTEX, nullptr) !=
            SQLITE_OK) {
            const std::string why = m_db ? sqlite3_errmsg(m_db) : "out of memory";
            sqlite3_close(m_db);
            m_db = nullptr;
            throw Error("cannot open run store " + file.string() + " read-only: " + why);
        }
    }
    sqlite3_busy_timeout(m_db, 5000);
    try {
        if (mode == Mode::read_write) migrate();
        SqliteStatement has_meta(m_db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'");
        if (!has_meta.step())
            throw Error("run store " + file.string() + " has no schema version: it holds no runs, or is not a PowerML run store");
        SqliteStatement version(m_db, "SELECT value FROM meta WHERE key = 'schema_version'");
        if (!version.step()) throw Error("run store " + file.string() + " has no schema version: it is not a PowerML run store");
        const auto v = parse_version(version.text(0));
        if (!v)
            throw Error("run store " + file.string() + " has an unreadable schema version '" + version.text(0) +
                        "': the file is damaged or not a PowerML run store");
        if (*v > k_schema_version)
            throw Error("run store " + file.string() + " was written by a newer PowerML (schema " + version.text(0) +
                        ", this one reads up to " + std::to_string(k_schema_version) + ")");
    } catch (...) {
        sqlite3_close(m_db);
        m_db = nullptr;
        throw;
    }
}

void RunStore::migrate() {
    // WAL keeps readers (runs list) from blocking the measuring writer.
    exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;");
    exec(R"(CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS runs (
          id TEXT PRIMARY KEY, status TEXT NOT NULL, command TEXT NOT NULL, host TEXT NOT NULL,
          started_utc_ms INTEGER NOT NULL, ended_utc_ms INTEGER, exit_status INTEGER, zone TEXT,
          interval_s REAL NOT NULL, timeline_start_utc_ms INTEGER NOT NULL,
          baseline_end_s REAL, job_start_s REAL, job_end_s REAL, quality TEXT,
          net_j REAL, g_co2e REAL, duration_s REAL, summary_json TEXT, phases_csv TEXT);
        CREATE TABLE IF NOT EXISTS channels (run_id TEXT NOT NULL, idx INTEGER NOT NULL, info TEXT NOT NULL,
          PRIMARY KEY (run_id, idx));
        CREATE TABLE IF NOT EXISTS samples (run_id TEXT NOT NULL, seq INTEGER NOT NULL, t_s REAL NOT NULL,
          utc_ms INTEGER NOT NULL, vals BLOB NOT NULL, energy BLOB NOT NULL, PRIMARY KEY (run_id, seq));
        CREATE TABLE IF NOT EXISTS phase_events (run_id TEXT NOT NULL, seq INTEGER NOT NULL, t_s REAL NOT NULL,
          utc_ms INTEGER NOT NULL, name TEXT NOT NULL, is_begin INTEGER NOT NULL, PRIMARY KEY (run_id, seq));
        CREATE TABLE IF NOT EXISTS metric_events (run_id TEXT NOT NULL, seq INTEGER NOT NULL, t_s REAL NOT NULL,
          name TEXT NOT NULL, value REAL NOT NULL, PRIMARY KEY (run_id, seq));
        INSERT OR IGNORE INTO meta VALUES ('schema_version', '1');)");
}

RunStore::~RunStore() { sqlite3_close(m_db); }

bool RunStore::readable() const {
    sqlite3_stmt* stmt = nullptr;
    const bool ok = sqlite3_prepare_v2(m_db, "SELECT count(*) FROM sqlite_master", -1, &stmt, nullptr) == SQLITE_OK &&
                    sqlite3_step(stmt) == SQLITE_ROW;
    sqlite3_finalize(stmt);
    return ok;
}

void RunStore::exec(const char* sql) const {
    char* message = nullptr;
    if (sqlite3_exec(m_db, sql, nullptr, nullptr, &message) != SQLITE_OK) {
        const std::string why = message ? message : "unknown error";
        sqlite3_free(message);
        throw Error("run store " + m_file.string() + ": " + why);
    }
}

namespace {

// BEGIN ... COMMIT that rolls back only what it began: a failed COMMIT (disk full) has often
// ended the transaction already, and a second error must not hide the first.
class Transaction {
public:
    explicit Transaction(sqlite3* db, const std::filesystem::path& file) : m_db(db), m_file(file) { run("BEGIN"); }
    ~Transaction() {
        if (!m_done && !sqlite3_get_autocommit(m_db)) sqlite3_exec(m_db, "ROLLBACK", nullptr, nullptr, nullptr);
    }
    void commit() {
        run("COMMIT");
        m_done = true;
    }

private:
    void run(const char* sql) {
        char* message = nullptr;
        if (sqlite3_exec(m_db, sql, nullptr, nullptr, &message) != SQLITE_OK) {
            const std::string why = message ? message : "unknown error";
            sqlite3_free(message);
            throw Error("run store " + m_file.string() + ": " + why);
        }
    }
    sqlite3* m_db;
    const std::filesystem::path& m_file;
    bool m_done = false;
};

}  // namespace

void RunStore::begin_run(const record::RunRecord& record, const record::Timeline& timeline) {
    Transaction tx(m_db, m_file);
    SqliteStatement insert(m_db,
                           "INSERT INTO runs (id, status, command, host, started_utc_ms, zone, interval_s, timeline_start_utc_ms,"
                           " baseline_end_s, job_start_s) VALUES (?, 'running', ?, ?, ?, ?, ?, ?, ?, ?)");
    insert.bind(1, record.id).bind(2, command_json(record.command)).bind(3, record.host).bind(4, record.started_utc_ms);
    if (record.carbon.zone) insert.bind(5, *record.carbon.zone);
    else insert.bind_null(5);
    insert.bind(6, timeline.interval_s).bind(7, timeline.start_utc_ms);
    insert.bind(8, timeline.baseline_end_s).bind(9, timeline.job_start_s).run();
    SqliteStatement channel(m_db, "INSERT INTO channels VALUES (?, ?, ?)");
    for (std::size_t i = 0; i < timeline.channels.size(); ++i)
        channel.bind(1, record.id).bind(2, static_cast<int>(i)).bind(3, record::channel_json(timeline.channels[i])).run();
    tx.commit();
    m_rows_stored = m_phases_stored = m_metrics_stored = 0;
}

void RunStore::append(const std::string& run_id, const record::TimelineTail& tail) {
    if (tail.empty()) return;
    Transaction tx(m_db, m_file);
    SqliteStatement insert(m_db, "INSERT OR REPLACE INTO samples VALUES (?, ?, ?, ?, ?, ?)");
    for (std::size_t i = 0; i < tail.rows.size(); ++i) {
        const auto& row = tail.rows[i];
        insert.bind(1, run_id).bind(2, static_cast<std::int64_t>(tail.first_row + i)).bind(3, row.t_s).bind(4, row.utc_ms);
        insert.bind_blob(5, row.values).bind_blob(6, row.energy_j).run();
    }
    SqliteStatement phase(m_db, "INSERT OR REPLACE INTO phase_events VALUES (?, ?, ?, ?, ?, ?)");
    for (std::size_t i = 0; i < tail.phases.size(); ++i) {
        const auto& e = tail.phases[i];
        phase.bind(1, run_id).bind(2, static_cast<std::int64_t>(tail.first_phase + i)).bind(3, e.t_s).bind(4, e.utc_ms);
        phase.bind(5, e.name).bind(6, e.begin ? 1 : 0).run();
    }
    SqliteStatement metric(m_db, "INSERT OR REPLACE INTO metric_events VALUES (?, ?, ?, ?, ?)");
    for (std::size_t i = 0; i < tail.metrics.size(); ++i) {
        const auto& m = tail.metrics[i];
        metric.bind(1, run_id).bind(2, static_cast<std::int64_t>(tail.first_metric + i)).bind(3, m.t_s).bind(4, m.name);
        metric.bind(5, m.value).run();
    }
    tx.commit();
    m_rows_stored = std::max(m_rows_stored, tail.first_row + tail.rows.size());
    m_phases_stored = std::max(m_phases_stored, tail.first_phase + tail.phases.size());
    m_metrics_stored = std::max(m_metrics_stored, tail.first_metric + tail.metrics.size());
}

void RunStore::update_job_window(const std::string& run_id, UtcMillis started_utc_ms, double baseline_end_s,
                                 double job_start_s) {
    SqliteStatement update(m_db, "UPDATE runs SET started_utc_ms = ?, baseline_end_s = ?, job_start_s = ? WHERE id = ?");
    update.bind(1, started_utc_ms).bind(2, baseline_end_s).bind(3, job_start_s).bind(4, run_id).run();
}

void RunStore::finish_run(const record::RunRecord& record, const record::Timeline& timeline, const std::string& phases_csv) {
    record::TimelineTail rest;
    rest.first_row = m_rows_stored;
    rest.first_phase = m_phases_stored;
    rest.first_metric = m_metrics_stored;
    if (m_rows_stored < timeline.rows.size())
        rest.rows.assign(timeline.rows.begin() + static_cast<std::ptrdiff_t>(m_rows_stored), timeline.rows.end());
    if (m_phases_stored < timeline.phases.size())
        rest.phases.assign(timeline.phases.begin() + static_cast<std::ptrdiff_t>(m_phases_stored), timeline.phases.end());
    if (m_metrics_stored < timeline.metrics.size())
        rest.metrics.assign(timeline.metrics.begin() + static_cast<std::ptrdiff_t>(m_metrics_stored), timeline.metrics.end());
    append(record.id, rest);
    Transaction tx(m_db, m_file);
    const auto& q = timeline.quality;
    SqliteStatement update(m_db,
                           "UPDATE runs SET status = ?, ended_utc_ms = ?, exit_status = ?, baseline_end_s = ?,"
                           " job_start_s = ?, job_end_s = ?, quality = ?, net_j = ?, g_co2e = ?, duration_s = ?,"
                           " summary_json = ?, phases_csv = ?, started_utc_ms = ? WHERE id = ?");
    update.bind(1, record.status).bind(2, record.ended_utc_ms).bind(3, record.exit_status).bind(4, timeline.baseline_end_s);
    update.bind(5, timeline.job_start_s).bind(6, timeline.job_end_s);
    update.bind(7, json{{"counter_wraps", q.counter_wraps}, {"read_errors", q.read_errors}, {"gaps", q.gaps},
                        {"counter_resets", q.counter_resets}, {"control_errors", q.control_errors}, {"events_dropped", q.events_dropped}}
                       .dump());
    update.bind(8, record.summary.net_j);
    if (record.carbon.g_co2e) update.bind(9, *record.carbon.g_co2e);
    else update.bind_null(9);
    update.bind(10, record.summary.duration_s).bind(11, record::summary_json(record)).bind(12, phases_csv);
    update.bind(13, record.started_utc_ms).bind(14, record.id).run();
    tx.commit();
}

std::vector<RunListItem> RunStore::list(std::size_t limit) const {
    SqliteStatement query(m_db,
                          "SELECT r.id, r.status, r.started_utc_ms, r.duration_s, r.exit_status, r.net_j, r.g_co2e, r.command,"
                          " (SELECT MAX(t_s) - MIN(t_s) FROM samples s WHERE s.run_id = r.id AND s.t_s >= r.job_start_s)"
                          " FROM runs r ORDER BY r.started_utc_ms DESC, r.id DESC LIMIT ?");
    query.bind(1, static_cast<std::int64_t>(limit));
    std::vector<RunListItem> items;
    while (query.step()) {
        RunListItem item;
        item.id = query.text(0);
        item.status = query.text(1) == "running" ? "interrupted" : query.text(1);
        item.started_utc_ms = query.integer(2);
        item.duration_s = query.is_null(3) ? query.number(8) : query.number(3);
        if (!query.is_null(4)) item.exit_status = static_cast<int>(query.integer(4));
        if (!query.is_null(5)) item.net_j = query.number(5);
        if (!query.is_null(6)) item.g_co2e = query.number(6);
        if (const auto command = command_from(query.text(7))) {
            item.command = join_command(*command);
        } else {
            // One damaged row must not hide every other run.
            item.status = "damaged";
            item.problem = "its command is not a JSON list of strings";
        }
        items.push_back(std::move(item));
    }
    return items;
}

bool RunStore::contains(const std::string& id) const {
    SqliteStatement query(m_db, "SELECT 1 FROM runs WHERE id = ?");
    query.bind(1, id);
    return query.step();
}

std::vector<std::string> RunStore::job_run_ids(const std::string& job_key) const {
    // Finished runs carry the job in their summary (interim: until the schema has a column).
    SqliteStatement query(m_db, "SELECT id FROM runs WHERE json_valid(summary_json) AND "
                                "json_extract(summary_json, '$.job.key') = ? ORDER BY started_utc_ms, id");
    query.bind(1, job_key);
    std::vector<std::string> ids;
    while (query.step()) ids.push_back(query.text(0));
    return ids;
}

std::string RunStore::resolve_id(const std::string& id_or_prefix) const {
    if (id_or_prefix.empty()) throw Error("no run given (see 'powerml runs list')");
    SqliteStatement query(m_db, "SELECT id FROM runs WHERE substr(id, 1, length(?1)) = ?1 ORDER BY id LIMIT 3");
    query.bind(1, id_or_prefix);
    std::vector<std::string> ids;
    while (query.step()) ids.push_back(query.text(0));
    if (ids.empty()) throw Error("no run '" + id_or_prefix + "' in " + m_file.string() + " (see 'powerml runs list')");
    if (ids.size() > 1 && ids[0] != id_or_prefix)
        throw Error("'" + id_or_prefix + "' matches several runs (" + ids[0] + ", " + ids[1] + ", ...): give more of the id");
    return ids[0];
}

StoredRun RunStore::load(const std::string& id_or_prefix) const {
    StoredRun run;
    auto& r = run.record;
    r.id = resolve_id(id_or_prefix);
    const auto damaged = [&](const std::string& what) {
        return Error("run " + r.id + " in " + m_file.string() + " is damaged: " + what);
    };
    SqliteStatement query(m_db,
                          "SELECT status, command, host, exit_status, zone, interval_s, timeline_start_utc_ms, baseline_end_s,"
                          " job_start_s, job_end_s, quality, summary_json, started_utc_ms, ended_utc_ms FROM runs WHERE id = ?");
    query.bind(1, r.id);
    if (!query.step()) throw damaged("its row vanished while reading");
    const std::string status = query.text(0);
    const std::string summary = query.text(11);
    auto& t = run.timeline;
    t.interval_s = query.number(5);
    t.start_utc_ms = query.integer(6);
    t.baseline_end_s = query.is_null(7) ? 0.0 : query.number(7);
    t.job_start_s = query.is_null(8) ? 0.0 : query.number(8);
    t.job_end_s = query.is_null(9) ? -1.0 : query.number(9);
    if (status != "running" && !summary.empty()) {
        try {
            r = record::record_from_summary_json(summary);
        } catch (const Error& e) {
            throw damaged(e.what());
        }
        run.has_summary = true;
    } else {
        const auto command = command_from(query.text(1));
        if (!command) throw damaged("its command is not a JSON list of strings");
        r.command = *command;
        r.host = query.text(2);
        if (!query.is_null(3)) r.exit_status = static_cast<int>(query.integer(3));
        if (!query.is_null(4)) r.carbon.zone = query.text(4);
        r.started_utc_ms = query.integer(12);
        r.ended_utc_ms = query.is_null(13) ? 0 : query.integer(13);
        r.status = "interrupted";
        if (!query.is_null(10)) {
            const json q = json::parse(query.text(10), nullptr, false);
            if (q.is_object()) {
                t.quality.counter_wraps = q.value("counter_wraps", std::int64_t{0});
                t.quality.read_errors = q.value("read_errors", std::int64_t{0});
                t.quality.gaps = q.value("gaps", std::int64_t{0});
                t.quality.counter_resets = q.value("counter_resets", std::int64_t{0});
                t.quality.control_errors = q.value("control_errors", std::int64_t{0});
                t.quality.events_dropped = q.value("events_dropped", std::int64_t{0});
            }
        }
    }
    if (run.has_summary) t.quality = r.summary.quality;

    SqliteStatement channels(m_db, "SELECT info FROM channels WHERE run_id = ? ORDER BY idx");
    channels.bind(1, r.id);
    while (channels.step()) {
        try {
            t.channels.push_back(record::channel_from_json(channels.text(0)));
        } catch (const Error& e) {
            throw damaged(e.what());
        }
    }
    const std::size_t n = t.channels.size();
    SqliteStatement samples(m_db, "SELECT t_s, utc_ms, vals, energy FROM samples WHERE run_id = ? ORDER BY seq");
    samples.bind(1, r.id);
    while (samples.step()) {
        record::SampleRow row{samples.number(0), samples.integer(1), samples.blob(2), samples.blob(3)};
        // Every row must hold one value and one energy per channel: a short blob is damage,
        // never a read past its end.
        if (row.values.size() != n || row.energy_j.size() != n)
            throw damaged("sample " + std::to_string(t.rows.size()) + " holds " + std::to_string(row.values.size()) + " values for " +
                          std::to_string(n) + " channels");
        if (!t.rows.empty() && !(row.t_s >= t.rows.back().t_s)) throw damaged("its samples are not in time order");
        t.rows.push_back(std::move(row));
    }
    SqliteStatement phases(m_db, "SELECT t_s, utc_ms, name, is_begin FROM phase_events WHERE run_id = ? ORDER BY seq");
    phases.bind(1, r.id);
    while (phases.step()) t.phases.push_back({phases.number(0), phases.integer(1), phases.text(2), phases.integer(3) != 0});
    SqliteStatement metrics(m_db, "SELECT t_s, name, value FROM metric_events WHERE run_id = ? ORDER BY seq");
    metrics.bind(1, r.id);
    while (metrics.step()) t.metrics.push_back({metrics.number(0), metrics.text(1), metrics.number(2)});
    // An interrupted run ends at its last stored sample.
    if (t.job_end_s < 0) t.job_end_s = t.rows.empty() ? t.job_start_s : std::max(t.rows.back().t_s, t.job_start_s);
    return run;
}

}  // namespace powerml::store
