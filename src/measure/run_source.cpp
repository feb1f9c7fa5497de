#include "powerml/measure/run_source.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "powerml/analysis/job_summary.hpp"
#include "powerml/analysis/run_summary.hpp"
#include "powerml/core/error.hpp"
#include "powerml/record/summary_json.hpp"
#include "powerml/store/run_store.hpp"
#include "powerml/store/store_location.hpp"

namespace powerml::measure {

namespace {

constexpr std::uintmax_t k_max_run_file_bytes = 2ull << 30;  // a day at 1 kHz fits; /dev/zero does not

std::string read_file(const std::filesystem::path& file) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec)) throw Error("cannot read " + file.string() + ": not a regular file");
    if (std::filesystem::file_size(file, ec) > k_max_run_file_bytes)
        throw Error(file.string() + " is larger than 2 GiB: not a file powerml wrote");
    std::ifstream in(file, std::ios::binary);
    if (!in) throw Error("cannot read " + file.string());
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// One CSV line as the run files write it: cells separated by commas, quoted when they hold one.
std::vector<std::string> csv_cells(const std::string& line) {
    std::vector<std::string> cells(1);
    bool quoted = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (quoted) {
            if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
                cells.back() += '"';
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                cells.back() += c;
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            cells.emplace_back();
        } else if (c != '\r') {
            cells.back() += c;
        }
    }
    return cells;
}

double cell_number(const std::string& cell) {
    if (cell.empty()) return std::nan("");
    try {
        std::size_t used = 0;
        const double v = std::stod(cell, &used);
        return used == cell.size() ? v : std::nan("");
    } catch (const std::exception&) {
        return std::nan("");
    }
}

// The timeline of a folder written by `measure --out`, from samples.csv (power of each energy
// channel over the interval ending at each row, raw values of the others) and summary.json
// (what each channel is, the job's window, its phases).
record::Timeline timeline_from_files(const std::filesystem::path& dir, const record::RunRecord& run) {
    const auto file = dir / "samples.csv";
    std::istringstream in(read_file(file));
    std::string line;
    if (!std::getline(in, line)) throw Error(file.string() + " is empty");
    const auto header = csv_cells(line);
    if (header.size() < 2 || header[0] != "t_s" || header[1] != "time")
        throw Error(file.string() + " does not start with the columns t_s,time: not a samples.csv powerml wrote");
    record::Timeline t;
    t.interval_s = run.summary.interval_s;
    for (std::size_t i = 2; i < header.size(); ++i) {
        const std::string& h = header[i];
        const auto at = h.find('@'), bracket = h.rfind('[');
        if (at == std::string::npos || bracket == std::string::npos || bracket < at || h.back() != ']')
            throw Error(file.string() + ": column '" + h + "' is not SIGNAL@DOMAIN[UNIT]");
        record::Channel c;
        c.info.name = h.substr(0, at);
        c.info.domain = h.substr(at + 1, bracket - at - 1);
        const std::string unit = h.substr(bracket + 1, h.size() - bracket - 2);
        c.info.unit = record::unit_from_string(unit).value_or(record::Unit::count);
        c.source = c.info.name.substr(0, c.info.name.find("::"));
        for (auto& ch : c.source) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        for (const auto& e : run.summary.components) {
            const bool same_domain = e.name == c.info.domain || (c.info.domain.empty() && e.name == record::to_string(e.component));
            if (e.signal != c.info.name || !same_domain) continue;
            c.energy_kind = e.kind;
            c.summed = e.summed;
            c.source = e.source;
            c.info.component = e.component;
            c.info.contained_in = e.contained_in;
            c.info.model_id = e.model_id;
            c.info.provenance = e.kind == record::EnergyKind::model ? record::Provenance::model : record::Provenance::hardware;
            c.info.unit = record::Unit::watt;
            break;
        }
        if (c.energy_kind == record::EnergyKind::none && c.info.unit == record::Unit::watt && unit == "W") {
            // An energy channel the summary does not list: kept as a power gauge, never summed.
            c.info.kind = record::SignalKind::gauge;
        }
        if (c.info.name == "PROCFS::DISK_READ" || c.info.name == "PROCFS::DISK_WRITE" || c.info.name == "PROCFS::NET_RX" ||
            c.info.name == "PROCFS::NET_TX" || c.info.name == "PROCFS::PROCESS_CPU_TIME")
            c.info.kind = record::SignalKind::counter;
        if (c.info.name == "PROCFS::CPU_UTIL") c.info.domain_idx = c.info.domain == "cpu" ? 0 : 1;
        t.channels.push_back(std::move(c));
    }
    std::vector<double> times;
    std::size_t line_no = 1;
    while (std::getline(in, line)) {
        ++line_no;
        if (line.empty()) continue;
        const auto cells = csv_cells(line);
        if (cells.size() != header.size())
            throw Error(file.string() + ":" + std::to_string(line_no) + ": " + std::to_string(cells.size()) + " cells, header has " +
                        std::to_string(header.size()));
        record::SampleRow row;
        row.t_s = cell_number(cells[0]);
        if (!std::isfinite(row.t_s)) throw Error(file.string() + ":" + std::to_string(line_no) + ": t_s is not a number");
        try {
            row.utc_ms = parse_rfc3339(cells[1]);
        } catch (const std::exception&) {
            throw Error(file.string() + ":" + std::to_string(line_no) + ": time '" + cells[1] + "' is not RFC 3339");
        }
        row.values.resize(t.channels.size());
        row.energy_j.assign(t.channels.size(), 0.0);
        const double dt = t.rows.empty() ? 0.0 : row.t_s - t.rows.back().t_s;
        for (std::size_t c = 0; c < t.channels.size(); ++c) {
            const double v = cell_number(cells[c + 2]);
            row.values[c] = v;
            if (t.channels[c].energy_kind != record::EnergyKind::none && dt > 0 && std::isfinite(v)) row.energy_j[c] = v * dt;
        }
        t.rows.push_back(std::move(row));
    }
    if (t.rows.empty()) throw Error(file.string() + " has no samples");
    // samples.csv counts time from the job's start; the timeline counts from its first sample.
    const double first = t.rows.front().t_s;
    for (auto& row : t.rows) row.t_s -= first;
    t.start_utc_ms = t.rows.front().utc_ms;
    t.job_start_s = -first;
    t.baseline_end_s = run.summary.baseline_s;
    t.job_end_s = t.job_start_s + run.summary.duration_s;
    for (const auto& p : run.summary.phases) {
        t.phases.push_back({t.job_start_s + p.start_s, 0, p.name, true});
        t.phases.push_back({t.job_start_s + p.end_s, 0, p.name, false});
    }
    std::stable_sort(t.phases.begin(), t.phases.end(), [](const auto& a, const auto& b) { return a.t_s < b.t_s; });
    for (const auto& [name, value] : run.summary.metrics) t.metrics.push_back({t.job_end_s, name, value});
    t.quality = run.summary.quality;
    return t;
}

}  // namespace

std::optional<std::string> group_experiment(const std::string& path) {
    std::error_code ec;
    const std::filesystem::path file = std::filesystem::path(path) / "group.json";
    if (path.empty() || !std::filesystem::is_regular_file(file, ec)) return std::nullopt;
    const auto j = nlohmann::json::parse(read_file(file), nullptr, false);
    if (!j.is_object() || !j.contains("experiment"))
        throw Error(file.string() + " is not a group file written by 'powerml measure --repeat N --out DIR'");
    if (!j["experiment"].is_string())
        throw Error(file.string() + ": these repetitions were measured without a run store (--no-db), so no group statistics "
                                    "were kept; report the folders rep-1, rep-2, ... one by one");
    return j["experiment"].get<std::string>();
}

bool is_run_folder(const std::string& run) {
    std::error_code ec;
    return !run.empty() && std::filesystem::is_directory(run, ec) && std::filesystem::exists(std::filesystem::path(run) / "summary.json", ec);
}

namespace {

// A run from an open store, as measured; for a run powerml did not see end, its summary from
// the samples that were stored.
LoadedRun load_stored_run(const store::RunStore& db, const std::string& run) {
    LoadedRun out;
    auto stored = db.load(run);
    out.record = std::move(stored.record);
    out.timeline = std::move(stored.timeline);
    out.origin = "run store " + store::redacted_location(db.file().string());
    if (!stored.has_summary) {
        out.record.summary = analysis::summarize(out.timeline);
        out.record.summary.notes.push_back("interrupted: powerml stopped before the job ended; these are the samples it stored");
        out.record.carbon.intensity_source = "not computed for an interrupted run";
        out.record.started_utc_ms = out.timeline.start_utc_ms + static_cast<UtcMillis>(out.timeline.job_start_s * 1000);
        out.record.ended_utc_ms = out.timeline.start_utc_ms + static_cast<UtcMillis>(out.timeline.job_end_s * 1000);
    }
    return out;
}

}  // namespace

record::JobSummary load_job(const std::string& job_key, const std::filesystem::path& db_file,
                            const std::vector<std::string>& expected_nodes) {
    if (!store::run_store_exists(db_file))
        throw Error("no job '" + job_key + "': no run store at " + store::redacted_location(db_file.string()));
    const store::RunStore db(db_file, store::RunStore::Mode::read_only);
    std::vector<record::RunRecord> runs;
    for (const auto& id : db.job_run_ids(job_key)) {
        LoadedRun run = load_stored_run(db, id);  // one connection for the whole job
        if (!run.record.job) {  // an interrupted run keeps its key and node in the store's columns only
            run.record.job = record::JobIdentity{};
            run.record.job->key = job_key;
            run.record.job->node = run.record.host;
        }
        runs.push_back(std::move(run.record));
    }
    if (runs.empty())
        throw Error("no run of job '" + job_key + "' in the run store " + store::redacted_location(db_file.string()));
    return analysis::summarize_job(job_key, runs, expected_nodes);
}

LoadedRun load_run(const std::string& run, const std::filesystem::path& db_file) {
    LoadedRun out;
    std::error_code ec;
    if (std::filesystem::is_directory(run, ec)) {
        const std::filesystem::path dir = run;
        if (!std::filesystem::exists(dir / "summary.json", ec))
            throw Error("folder " + dir.string() + " has no summary.json: give a folder written by 'powerml measure --out', or a run id");
        try {
            out.record = record::record_from_summary_json(read_file(dir / "summary.json"));
        } catch (const Error& e) {
            throw Error((dir / "summary.json").string() + ": " + e.what());
        }
        if (!out.record.id.empty() && store::run_store_exists(db_file)) {
            // The store has every sample exactly as measured; a store that cannot be read (or
            // holds no such run) leaves the folder's own files, which are complete on their own.
            try {
                const store::RunStore db(db_file, store::RunStore::Mode::read_only);
                if (db.contains(out.record.id)) {
                    out.timeline = db.load(out.record.id).timeline;
                    out.origin = "run store " + store::redacted_location(db_file.string());
                    return out;
                }
            } catch (const Error&) {
            }
        }
        out.timeline = timeline_from_files(dir, out.record);
        out.origin = "folder " + dir.string();
        return out;
    }
    if (!store::run_store_exists(db_file))
        throw Error("no run '" + run + "': no folder of that name, and no run store at " +
                    store::redacted_location(db_file.string()));
    return load_stored_run(store::RunStore(db_file, store::RunStore::Mode::read_only), run);
}

}  // namespace powerml::measure
