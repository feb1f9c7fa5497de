#include "powerml/store/run_store.hpp"

#include <sqlite3.h>

#include <cstring>

#include <nlohmann/json.hpp>

#include "powerml/core/error.hpp"
#include "powerml/store/sqlite_statement.hpp"

namespace powerml::store {

using nlohmann::json;

namespace {

json channel_json(const sampler::Channel& c) {
    return {{"source", c.source},
            {"name", c.info.name},
            {"domain_idx", c.info.domain_idx},
            {"domain", c.info.domain},
            {"unit", c.info.unit},
            {"counter", c.info.kind == sensors::SignalKind::counter},
            {"wrap_at", c.info.wrap_at},
            {"resolution", c.info.resolution},
            {"component", c.info.component},
            {"contained_in", c.info.contained_in},
            {"model", c.info.provenance == sensors::Provenance::model},
            {"model_id", c.info.model_id},
            {"relative_uncertainty", c.info.relative_uncertainty},
            {"description", c.info.description},
            {"energy_kind", std::string(sampler::to_string(c.energy_kind))},
            {"summed", c.summed}};
}

sampler::Channel channel_from_json(const json& j) {
    sampler::Channel c;
    c.source = j.at("source");
    c.info.name = j.at("name");
    c.info.domain_idx = j.at("domain_idx");
    c.info.domain = j.at("domain");
    c.info.unit = j.at("unit");
    c.info.kind = j.at("counter").get<bool>() ? sensors::SignalKind::counter : sensors::SignalKind::gauge;
    c.info.wrap_at = j.at("wrap_at");
    c.info.resolution = j.at("resolution");
    c.info.component = j.at("component");
    c.info.contained_in = j.at("contained_in");
    c.info.provenance = j.at("model").get<bool>() ? sensors::Provenance::model : sensors::Provenance::hardware;
    c.info.model_id = j.at("model_id");
    c.info.relative_uncertainty = j.at("relative_uncertainty");
    c.info.description = j.at("description");
    const std::string kind = j.at("energy_kind");
    c.energy_kind = kind == "counter"            ? sampler::EnergyKind::counter
                    : kind == "integrated-power" ? sampler::EnergyKind::integrated_power
                    : kind == "model"            ? sampler::EnergyKind::model
                                                 : sampler::EnergyKind::none;
    c.summed = j.at("summed");
    return c;
}

std::string join_command(const std::vector<std::string>& command) {
    std::string text;
    for (const auto& part : command) text += (text.empty() ? "" : " ") + part;
    return text;
}

}  // namespace

RunStore::RunStore(const std::filesystem::path& file) : m_file(file) {
    std::error_code ec;
    if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path(), ec);
    if (sqlite3_open_v2(file.c_str(), &m_db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr) !=
        SQLITE_OK) {
        const std::string why = m_db ? sqlite3_errmsg(m_db) : "out of memory";
        sqlite3_close(m_db);
        m_db = nullptr;
        throw Error("cannot open run store " + file.string() + ": " + why);
    }
    sqlite3_busy_timeout(m_db, 5000);
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
          name TEXT NOT NULL, value REAL NOT NULL, PRIMARY KEY (run_id, seq));)");
    SqliteStatement version(m_db, "SELECT value FROM meta WHERE key = 'schema_version'");
    if (version.step()) {
        if (std::stoi(version.text(0)) > k_schema_version)
            throw Error("run store " + file.string() + " was written by a newer PowerML (schema " + version.text(0) + ")");
    } else {
        exec("INSERT INTO meta VALUES ('schema_version', '1')");
    }
}

RunStore::~RunStore() { sqlite3_close(m_db); }

void RunStore::exec(const char* sql) const {
    char* message = nullptr;
    if (sqlite3_exec(m_db, sql, nullptr, nullptr, &message) != SQLITE_OK) {
        const std::string why = message ? message : "unknown error";
        sqlite3_free(message);
        throw Error("run store " + m_file.string() + ": " + why);
    }
}

void RunStore::begin_run(const RunRecord& record, const sampler::Timeline& timeline) {
    exec("BEGIN");
    try {
        SqliteStatement insert(m_db,
                         "INSERT INTO runs (id, status, command, host, started_utc_ms, zone, interval_s, timeline_start_utc_ms,"
                         " baseline_end_s, job_start_s) VALUES (?, 'running', ?, ?, ?, ?, ?, ?, ?, ?)");
        insert.bind(1, record.id).bind(2, json(record.command).dump()).bind(3, record.host).bind(4, record.started_utc_ms);
        if (record.carbon.zone) insert.bind(5, *record.carbon.zone);
        else insert.bind_null(5);
        insert.bind(6, timeline.interval_s).bind(7, timeline.start_utc_ms);
        insert.bind(8, timeline.baseline_end_s).bind(9, timeline.job_start_s).run();
        SqliteStatement channel(m_db, "INSERT INTO channels VALUES (?, ?, ?)");
        for (std::size_t i = 0; i < timeline.channels.size(); ++i)
            channel.bind(1, record.id).bind(2, static_cast<int>(i)).bind(3, channel_json(timeline.channels[i]).dump()).run();
        exec("COMMIT");
    } catch (...) {
        exec("ROLLBACK");
        throw;
    }
    m_rows_stored = 0;
}

void RunStore::append_rows(const std::string& run_id, const sampler::Timeline& timeline, std::size_t first_row) {
    first_row = std::max(first_row, m_rows_stored);
    if (first_row >= timeline.rows.size()) return;
    exec("BEGIN");
    try {
        SqliteStatement insert(m_db, "INSERT OR REPLACE INTO samples VALUES (?, ?, ?, ?, ?, ?)");
        for (std::size_t i = first_row; i < timeline.rows.size(); ++i) {
            const auto& row = timeline.rows[i];
            insert.bind(1, run_id).bind(2, static_cast<std::int64_t>(i)).bind(3, row.t_s).bind(4, row.utc_ms);
            insert.bind_blob(5, row.values).bind_blob(6, row.energy_j).run();
        }
        exec("COMMIT");
    } catch (...) {
        exec("ROLLBACK");
        throw;
    }
    m_rows_stored = timeline.rows.size();
}

void RunStore::finish_run(const RunRecord& record, const sampler::Timeline& timeline, const std::string& summary_json,
                          const std::string& phases_csv) {
    append_rows(record.id, timeline, m_rows_stored);
    exec("BEGIN");
    try {
        SqliteStatement phase(m_db, "INSERT OR REPLACE INTO phase_events VALUES (?, ?, ?, ?, ?, ?)");
        for (std::size_t i = 0; i < timeline.phases.size(); ++i) {
            const auto& e = timeline.phases[i];
            phase.bind(1, record.id).bind(2, static_cast<std::int64_t>(i)).bind(3, e.t_s).bind(4, e.utc_ms);
            phase.bind(5, e.name).bind(6, e.begin ? 1 : 0).run();
        }
        SqliteStatement metric(m_db, "INSERT OR REPLACE INTO metric_events VALUES (?, ?, ?, ?, ?)");
        for (std::size_t i = 0; i < timeline.metrics.size(); ++i) {
            const auto& m = timeline.metrics[i];
            metric.bind(1, record.id).bind(2, static_cast<std::int64_t>(i)).bind(3, m.t_s).bind(4, m.name).bind(5, m.value).run();
        }
        const auto& q = timeline.quality;
        SqliteStatement update(m_db,
                         "UPDATE runs SET status = 'finished', ended_utc_ms = ?, exit_status = ?, baseline_end_s = ?,"
                         " job_start_s = ?, job_end_s = ?, quality = ?, net_j = ?, g_co2e = ?, duration_s = ?,"
                         " summary_json = ?, phases_csv = ?, started_utc_ms = ? WHERE id = ?");
        update.bind(1, record.ended_utc_ms).bind(2, record.exit_status).bind(3, timeline.baseline_end_s);
        update.bind(4, timeline.job_start_s).bind(5, timeline.job_end_s);
        update.bind(6, json{{"counter_wraps", q.counter_wraps}, {"read_errors", q.read_errors}, {"gaps", q.gaps},
                            {"counter_resets", q.counter_resets}, {"control_errors", q.control_errors}}
                           .dump());
        update.bind(7, record.summary.net_j);
        if (record.carbon.g_co2e) update.bind(8, *record.carbon.g_co2e);
        else update.bind_null(8);
        update.bind(9, record.summary.duration_s).bind(10, summary_json).bind(11, phases_csv);
        update.bind(12, record.started_utc_ms).bind(13, record.id).run();
        exec("COMMIT");
    } catch (...) {
        exec("ROLLBACK");
        throw;
    }
}

std::vector<RunListItem> RunStore::list(std::size_t limit) const {
    SqliteStatement query(m_db,
                    "SELECT r.id, r.status, r.started_utc_ms, r.duration_s, r.exit_status, r.net_j, r.g_co2e, r.command,"
                    " (SELECT MAX(t_s) - MIN(t_s) FROM samples s WHERE s.run_id = r.id)"
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
        item.command = join_command(json::parse(query.text(7)).get<std::vector<std::string>>());
        items.push_back(std::move(item));
    }
    return items;
}

std::string RunStore::resolve_id(const std::string& id_or_prefix) const {
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
    run.id = resolve_id(id_or_prefix);
    SqliteStatement query(m_db,
                    "SELECT status, command, host, exit_status, zone, interval_s, timeline_start_utc_ms, baseline_end_s,"
                    " job_start_s, job_end_s, quality, summary_json, phases_csv FROM runs WHERE id = ?");
    query.bind(1, run.id);
    query.step();
    run.status = query.text(0) == "running" ? "interrupted" : query.text(0);
    run.command = json::parse(query.text(1)).get<std::vector<std::string>>();
    run.host = query.text(2);
    if (!query.is_null(3)) run.exit_status = static_cast<int>(query.integer(3));
    if (!query.is_null(4)) run.zone = query.text(4);
    auto& t = run.timeline;
    t.interval_s = query.number(5);
    t.start_utc_ms = query.integer(6);
    t.baseline_end_s = query.is_null(7) ? 0.0 : query.number(7);
    t.job_start_s = query.is_null(8) ? 0.0 : query.number(8);
    t.job_end_s = query.is_null(9) ? -1.0 : query.number(9);
    if (!query.is_null(10)) {
        const json q = json::parse(query.text(10));
        t.quality = {q.at("counter_wraps"), q.at("read_errors"), q.at("gaps"), q.at("counter_resets"), q.at("control_errors")};
    }
    run.summary_json = query.text(11);
    run.phases_csv = query.text(12);

    SqliteStatement channels(m_db, "SELECT info FROM channels WHERE run_id = ? ORDER BY idx");
    channels.bind(1, run.id);
    while (channels.step()) t.channels.push_back(channel_from_json(json::parse(channels.text(0))));
    SqliteStatement samples(m_db, "SELECT t_s, utc_ms, vals, energy FROM samples WHERE run_id = ? ORDER BY seq");
    samples.bind(1, run.id);
    while (samples.step()) t.rows.push_back({samples.number(0), samples.integer(1), samples.blob(2), samples.blob(3)});
    SqliteStatement phases(m_db, "SELECT t_s, utc_ms, name, is_begin FROM phase_events WHERE run_id = ? ORDER BY seq");
    phases.bind(1, run.id);
    while (phases.step()) t.phases.push_back({phases.number(0), phases.integer(1), phases.text(2), phases.integer(3) != 0});
    SqliteStatement metrics(m_db, "SELECT t_s, name, value FROM metric_events WHERE run_id = ? ORDER BY seq");
    metrics.bind(1, run.id);
    while (metrics.step()) t.metrics.push_back({metrics.number(0), metrics.text(1), metrics.number(2)});
    // An interrupted run ends at its last stored sample.
    if (t.job_end_s < 0) t.job_end_s = t.rows.empty() ? t.job_start_s : t.rows.back().t_s;
    return run;
}

}  // namespace powerml::store
