#include "powerml/store/run_store.hpp"

#include <cstring>

#include <nlohmann/json.hpp>

#include "powerml/core/error.hpp"
#include "powerml/record/summary_json.hpp"
#include "sql_connection.hpp"
#include "store_schema.hpp"

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

// The columns version 2 added, or NULLs in their place for a version 1 file read as it is.
const char* job_columns(int version) { return version >= 2 ? "r.job_key, r.node" : "NULL, NULL"; }

}  // namespace

RunStore::RunStore(const std::filesystem::path& location, Mode mode) : m_file(location) {
    m_db = open_connection(location.string(),
                           mode == Mode::read_only ? SqlConnection::Mode::read_only : SqlConnection::Mode::read_write);
    if (mode == Mode::read_write) migrate(*m_db);
    m_version = schema_version(*m_db);
}

RunStore::~RunStore() = default;

void RunStore::begin_run(const record::RunRecord& record, const record::Timeline& timeline) {
    SqlTransaction tx(*m_db);
    const auto insert = m_db->prepare(
        "INSERT INTO runs (id, status, command, host, started_utc_ms, zone, interval_s, timeline_start_utc_ms,"
        " baseline_end_s, job_start_s, job_key, node) VALUES ($1, 'running', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)");
    insert->bind(1, record.id).bind(2, command_json(record.command)).bind(3, record.host).bind(4, record.started_utc_ms);
    insert->bind(5, record.carbon.zone).bind(6, timeline.interval_s).bind(7, timeline.start_utc_ms);
    insert->bind(8, timeline.baseline_end_s).bind(9, timeline.job_start_s);
    if (record.job) insert->bind(10, record.job->key).bind(11, record.job->node);
    else insert->bind_null(10).bind_null(11);
    insert->run();
    const auto channel = m_db->prepare("INSERT INTO channels (run_id, idx, info) VALUES ($1, $2, $3)");
    for (std::size_t i = 0; i < timeline.channels.size(); ++i)
        channel->bind(1, record.id).bind(2, static_cast<int>(i)).bind(3, record::channel_json(timeline.channels[i])).run();
    tx.commit();
    m_rows_stored = m_phases_stored = m_metrics_stored = 0;
}

void RunStore::append(const std::string& run_id, const record::TimelineTail& tail) {
    if (tail.empty()) return;
    SqlTransaction tx(*m_db);
    // A position stored again (the writer retrying after a failed commit) replaces what is there.
    const auto insert = m_db->prepare(
        "INSERT INTO samples (run_id, seq, t_s, utc_ms, vals, energy) VALUES ($1, $2, $3, $4, $5, $6)"
        " ON CONFLICT (run_id, seq) DO UPDATE SET t_s = excluded.t_s, utc_ms = excluded.utc_ms, vals = excluded.vals,"
        " energy = excluded.energy");
    for (std::size_t i = 0; i < tail.rows.size(); ++i) {
        const auto& row = tail.rows[i];
        insert->bind(1, run_id).bind(2, static_cast<std::int64_t>(tail.first_row + i)).bind(3, row.t_s).bind(4, row.utc_ms);
        insert->bind_blob(5, row.values).bind_blob(6, row.energy_j).run();
    }
    const auto phase = m_db->prepare(
        "INSERT INTO phase_events (run_id, seq, t_s, utc_ms, name, is_begin) VALUES ($1, $2, $3, $4, $5, $6)"
        " ON CONFLICT (run_id, seq) DO UPDATE SET t_s = excluded.t_s, utc_ms = excluded.utc_ms, name = excluded.name,"
        " is_begin = excluded.is_begin");
    for (std::size_t i = 0; i < tail.phases.size(); ++i) {
        const auto& e = tail.phases[i];
        phase->bind(1, run_id).bind(2, static_cast<std::int64_t>(tail.first_phase + i)).bind(3, e.t_s).bind(4, e.utc_ms);
        phase->bind(5, e.name).bind(6, e.begin ? 1 : 0).run();
    }
    const auto metric = m_db->prepare(
        "INSERT INTO metric_events (run_id, seq, t_s, name, value) VALUES ($1, $2, $3, $4, $5)"
        " ON CONFLICT (run_id, seq) DO UPDATE SET t_s = excluded.t_s, name = excluded.name, value = excluded.value");
    for (std::size_t i = 0; i < tail.metrics.size(); ++i) {
        const auto& m = tail.metrics[i];
        metric->bind(1, run_id).bind(2, static_cast<std::int64_t>(tail.first_metric + i)).bind(3, m.t_s).bind(4, m.name);
        metric->bind(5, m.value).run();
    }
    tx.commit();
    m_rows_stored = std::max(m_rows_stored, tail.first_row + tail.rows.size());
    m_phases_stored = std::max(m_phases_stored, tail.first_phase + tail.phases.size());
    m_metrics_stored = std::max(m_metrics_stored, tail.first_metric + tail.metrics.size());
}

void RunStore::update_job_window(const std::string& run_id, UtcMillis started_utc_ms, double baseline_end_s,
                                 double job_start_s) {
    const auto update = m_db->prepare("UPDATE runs SET started_utc_ms = $1, baseline_end_s = $2, job_start_s = $3 WHERE id = $4");
    update->bind(1, started_utc_ms).bind(2, baseline_end_s).bind(3, job_start_s).bind(4, run_id).run();
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
    SqlTransaction tx(*m_db);
    const auto& q = timeline.quality;
    // The job identity is written again: ranks that joined while measuring are in the record
    // only now, and a run begun without one (an older writer) gets it.
    const auto update = m_db->prepare(
        "UPDATE runs SET status = $1, ended_utc_ms = $2, exit_status = $3, baseline_end_s = $4,"
        " job_start_s = $5, job_end_s = $6, quality = $7, net_j = $8, g_co2e = $9, duration_s = $10,"
        " summary_json = $11, phases_csv = $12, started_utc_ms = $13, job_key = $14, node = $15 WHERE id = $16");
    update->bind(1, record.status).bind(2, record.ended_utc_ms).bind(3, record.exit_status).bind(4, timeline.baseline_end_s);
    update->bind(5, timeline.job_start_s).bind(6, timeline.job_end_s);
    update->bind(7, json{{"counter_wraps", q.counter_wraps}, {"read_errors", q.read_errors}, {"gaps", q.gaps},
                         {"counter_resets", q.counter_resets}, {"control_errors", q.control_errors}, {"events_dropped", q.events_dropped}}
                        .dump());
    update->bind(8, record.summary.net_j).bind(9, record.carbon.g_co2e);
    update->bind(10, record.summary.duration_s).bind(11, record::summary_json(record)).bind(12, phases_csv);
    update->bind(13, record.started_utc_ms);
    if (record.job) update->bind(14, record.job->key).bind(15, record.job->node);
    else update->bind_null(14).bind_null(15);
    update->bind(16, record.id).run();
    tx.commit();
}

std::vector<RunListItem> RunStore::list(std::size_t limit) const {
    std::vector<RunListItem> items;
    if (m_version == 0) return items;
    const auto query = m_db->prepare(
        std::string("SELECT r.id, r.status, r.started_utc_ms, r.duration_s, r.exit_status, r.net_j, r.g_co2e, r.command,"
                    " (SELECT MAX(t_s) - MIN(t_s) FROM samples s WHERE s.run_id = r.id AND s.t_s >= r.job_start_s), ") +
        job_columns(m_version) + " FROM runs r ORDER BY r.started_utc_ms DESC, r.id DESC LIMIT $1");
    query->bind(1, static_cast<std::int64_t>(limit));
    while (query->step()) {
        RunListItem item;
        item.id = query->text(0);
        item.status = query->text(1) == "running" ? "interrupted" : query->text(1);
        item.started_utc_ms = query->integer(2);
        item.duration_s = query->is_null(3) ? query->number(8) : query->number(3);
        if (!query->is_null(4)) item.exit_status = static_cast<int>(query->integer(4));
        if (!query->is_null(5)) item.net_j = query->number(5);
        if (!query->is_null(6)) item.g_co2e = query->number(6);
        item.job_key = query->text(9);
        item.node = query->text(10);
        if (const auto command = command_from(query->text(7))) {
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
    if (m_version == 0) return false;
    const auto query = m_db->prepare("SELECT 1 FROM runs WHERE id = $1");
    query->bind(1, id);
    return query->step();
}

std::string RunStore::resolve_id(const std::string& id_or_prefix) const {
    if (id_or_prefix.empty()) throw Error("no run given (see 'powerml runs list')");
    std::vector<std::string> ids;
    if (m_version > 0) {
        const auto query = m_db->prepare("SELECT id FROM runs WHERE substr(id, 1, length($1)) = $1 ORDER BY id LIMIT 3");
        query->bind(1, id_or_prefix);
        while (query->step()) ids.push_back(query->text(0));
    }
    if (ids.empty()) throw Error("no run '" + id_or_prefix + "' in " + m_db->shown() + " (see 'powerml runs list')");
    if (ids.size() > 1 && ids[0] != id_or_prefix)
        throw Error("'" + id_or_prefix + "' matches several runs (" + ids[0] + ", " + ids[1] + ", ...): give more of the id");
    return ids[0];
}

std::vector<std::string> RunStore::job_run_ids(const std::string& job_key) const {
    std::vector<std::string> ids;
    if (m_version < 2) return ids;  // no run before version 2 has a job key
    const auto query = m_db->prepare("SELECT id FROM runs WHERE job_key = $1 ORDER BY started_utc_ms, id");
    query->bind(1, job_key);
    while (query->step()) ids.push_back(query->text(0));
    return ids;
}

StoredRun RunStore::load(const std::string& id_or_prefix) const {
    StoredRun run;
    auto& r = run.record;
    r.id = resolve_id(id_or_prefix);
    const auto damaged = [&](const std::string& what) {
        return Error("run " + r.id + " in " + m_db->shown() + " is damaged: " + what);
    };
    const auto query = m_db->prepare(
        std::string("SELECT r.status, r.command, r.host, r.exit_status, r.zone, r.interval_s, r.timeline_start_utc_ms,"
                    " r.baseline_end_s, r.job_start_s, r.job_end_s, r.quality, r.summary_json, r.started_utc_ms,"
                    " r.ended_utc_ms, ") +
        job_columns(m_version) + " FROM runs r WHERE r.id = $1");
    query->bind(1, r.id);
    if (!query->step()) throw damaged("its row vanished while reading");
    const std::string status = query->text(0);
    const std::string summary = query->text(11);
    auto& t = run.timeline;
    t.interval_s = query->number(5);
    t.start_utc_ms = query->integer(6);
    t.baseline_end_s = query->is_null(7) ? 0.0 : query->number(7);
    t.job_start_s = query->is_null(8) ? 0.0 : query->number(8);
    t.job_end_s = query->is_null(9) ? -1.0 : query->number(9);
    if (status != "running" && !summary.empty()) {
        try {
            r = record::record_from_summary_json(summary);
        } catch (const Error& e) {
            throw damaged(e.what());
        }
        run.has_summary = true;
    } else {
        const auto command = command_from(query->text(1));
        if (!command) throw damaged("its command is not a JSON list of strings");
        r.command = *command;
        r.host = query->text(2);
        if (!query->is_null(3)) r.exit_status = static_cast<int>(query->integer(3));
        if (!query->is_null(4)) r.carbon.zone = query->text(4);
        r.started_utc_ms = query->integer(12);
        r.ended_utc_ms = query->is_null(13) ? 0 : query->integer(13);
        r.status = "interrupted";
        // What the row knows of the job; the ranks and expected nodes are in the summary only.
        if (!query->is_null(14)) {
            record::JobIdentity job;
            job.key = query->text(14);
            job.node = query->text(15);
            r.job = std::move(job);
        }
        if (!query->is_null(10)) {
            const json q = json::parse(query->text(10), nullptr, false);
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

    const auto channels = m_db->prepare("SELECT info FROM channels WHERE run_id = $1 ORDER BY idx");
    channels->bind(1, r.id);
    while (channels->step()) {
        try {
            t.channels.push_back(record::channel_from_json(channels->text(0)));
        } catch (const Error& e) {
            throw damaged(e.what());
        }
    }
    const std::size_t n = t.channels.size();
    const auto samples = m_db->prepare("SELECT t_s, utc_ms, vals, energy FROM samples WHERE run_id = $1 ORDER BY seq");
    samples->bind(1, r.id);
    while (samples->step()) {
        record::SampleRow row{samples->number(0), samples->integer(1), samples->blob(2), samples->blob(3)};
        // Every row must hold one value and one energy per channel: a short blob is damage,
        // never a read past its end.
        if (row.values.size() != n || row.energy_j.size() != n)
            throw damaged("sample " + std::to_string(t.rows.size()) + " holds " + std::to_string(row.values.size()) + " values for " +
                          std::to_string(n) + " channels");
        if (!t.rows.empty() && !(row.t_s >= t.rows.back().t_s)) throw damaged("its samples are not in time order");
        t.rows.push_back(std::move(row));
    }
    const auto phases = m_db->prepare("SELECT t_s, utc_ms, name, is_begin FROM phase_events WHERE run_id = $1 ORDER BY seq");
    phases->bind(1, r.id);
    while (phases->step()) t.phases.push_back({phases->number(0), phases->integer(1), phases->text(2), phases->integer(3) != 0});
    const auto metrics = m_db->prepare("SELECT t_s, name, value FROM metric_events WHERE run_id = $1 ORDER BY seq");
    metrics->bind(1, r.id);
    while (metrics->step()) t.metrics.push_back({metrics->number(0), metrics->text(1), metrics->number(2)});
    // An interrupted run ends at its last stored sample.
    if (t.job_end_s < 0) t.job_end_s = t.rows.empty() ? t.job_start_s : std::max(t.rows.back().t_s, t.job_start_s);
    return run;
}

}  // namespace powerml::store
