#include "powerml/report/tracker_comparison.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "powerml/core/error.hpp"
#include "powerml/report/emissions_csv.hpp"

namespace powerml::report {

namespace {

constexpr double k_j_per_kwh = 3.6e6;
constexpr std::size_t k_max_bytes = 64u * 1024 * 1024;

// RFC 4180 fields of one line.
std::vector<std::string> split_csv(const std::string& line) {
    std::vector<std::string> out(1);
    bool quoted = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (quoted) {
            if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') out.back() += '"', ++i;
            else if (c == '"') quoted = false;
            else out.back() += c;
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            out.emplace_back();
        } else if (c != '\r') {
            out.back() += c;
        }
    }
    return out;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        std::string line = text.substr(start, end - start);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        out.push_back(std::move(line));
        start = end + 1;
    }
    return out;
}

std::optional<double> number(const std::string& text) {
    if (text.empty()) return std::nullopt;
    char* end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    if (end == text.c_str() || *end != '\0' || !std::isfinite(v)) return std::nullopt;
    return v;
}

// CodeCarbon's buckets, with whole-machine readings (psys, node) kept apart for the comparison.
std::string bucket(record::Component component) {
    if (component == record::Component::node || component == record::Component::psys) return "machine";
    return codecarbon_bucket(component);
}

std::string joules_text(double j) { return j >= 3600.0 ? fmt::format("{:.4g} Wh", j / 3600.0) : fmt::format("{:.4g} J", j); }

}  // namespace

TrackerReading read_codecarbon_csv(const std::string& text, const std::string& label) {
    std::vector<std::string> rows;
    for (auto& l : lines_of(text))
        if (!l.empty()) rows.push_back(std::move(l));
    if (rows.empty()) throw Error(label + ": empty file; expected CodeCarbon's emissions.csv header and a row");
    std::vector<std::string> header = split_csv(rows.front());
    if (!header.empty() && header[0].rfind("\xEF\xBB\xBF", 0) == 0) header[0].erase(0, 3);
    std::map<std::string, std::size_t> at;
    for (std::size_t i = 0; i < header.size(); ++i) at[header[i]] = i;
    std::vector<std::string> missing;
    for (const char* need : {"duration", "emissions", "cpu_energy", "gpu_energy", "ram_energy", "energy_consumed"})  // in 1.x-3.x
        if (!at.count(need)) missing.push_back(need);
    if (!missing.empty())
        throw Error(fmt::format("{}: not a CodeCarbon emissions.csv: no column {}", label, fmt::join(missing, ", ")));
    if (rows.size() < 2) throw Error(label + ": CodeCarbon emissions.csv without a data row");

    const std::vector<std::string> row = split_csv(rows.back());
    const long line_no = static_cast<long>(rows.size());
    auto cell = [&](const std::string& name) -> std::string {
        const auto it = at.find(name);
        return it == at.end() || it->second >= row.size() ? std::string() : row[it->second];
    };
    auto required = [&](const std::string& name) {
        const auto v = number(cell(name));
        if (!v) throw Error(fmt::format("{}: last row: {} is '{}', not a number", label, name, cell(name)));
        return *v;
    };

    std::vector<std::string> sorted_header = header, v3 = codecarbon_columns(), v2 = codecarbon2_columns();
    std::sort(sorted_header.begin(), sorted_header.end());
    std::sort(v3.begin(), v3.end());
    std::sort(v2.begin(), v2.end());
    const std::string columns = sorted_header == v3 ? "3.x columns" : sorted_header == v2 ? "2.x columns" : "columns of another version";
    const std::string version = cell("codecarbon_version");
    TrackerReading t;
    t.tool = fmt::format("CodeCarbon{} ({})", version.empty() ? "" : " " + version, columns);
    t.source = label;
    t.run_id = cell("run_id");
    t.duration_s = required("duration");
    if (const auto p = number(cell("pue")); p && *p > 0) t.pue = *p;
    t.cpu_j = required("cpu_energy") * k_j_per_kwh / t.pue;
    t.gpu_j = required("gpu_energy") * k_j_per_kwh / t.pue;
    t.ram_j = required("ram_energy") * k_j_per_kwh / t.pue;
    t.total_j = required("energy_consumed") * k_j_per_kwh / t.pue;
    if (const auto kg = number(cell("emissions"))) t.g_co2e = *kg * 1000.0;  // empty in a PowerML file without a zone
    t.scope = cell("tracking_mode").empty() ? "machine" : cell("tracking_mode");
    if (rows.size() > 2)
        t.notes.push_back(fmt::format("{} holds {} runs; the last (line {}, run_id {}) is compared", label, rows.size() - 1,
                                      line_no, t.run_id.empty() ? "none" : t.run_id));
    return t;
}

TrackerReading read_impact_tracker_log(const std::string& text, const std::string& label) {
    TrackerReading t;
    t.tool = "experiment-impact-tracker";
    t.source = label;
    t.scope = "attributable";
    std::optional<double> first_t, last_t;
    double cpu = 0, gpu = 0;
    bool has_cpu = false, has_gpu = false;
    long n = 0, line_no = 0;
    for (const auto& line : lines_of(text)) {
        ++line_no;
        if (line.find_first_not_of(" \t") == std::string::npos) continue;
        const auto j = nlohmann::json::parse(line, nullptr, false);
        if (j.is_discarded() || !j.is_object())
            throw Error(fmt::format("{}:{}: not a JSON object (experiment-impact-tracker writes one per line)", label, line_no));
        if (!j.contains("timestamp") || !j["timestamp"].is_number())
            throw Error(fmt::format("{}:{}: no numeric 'timestamp'", label, line_no));
        const double ts = j["timestamp"].get<double>();
        if (last_t && ts < *last_t) throw Error(fmt::format("{}:{}: timestamp goes backwards", label, line_no));
        // The tracker's rule: each line's power holds since the line before.
        const double dt = last_t ? ts - *last_t : 0.0;
        auto power = [&](const char* key, double& sum, bool& seen) {
            if (!j.contains(key) || j[key].is_null()) return;
            if (!j[key].is_number()) throw Error(fmt::format("{}:{}: '{}' is not a number", label, line_no, key));
            seen = true;
            sum += j[key].get<double>() * dt;
        };
        power("rapl_estimated_attributable_power_draw", cpu, has_cpu);
        power("nvidia_estimated_attributable_power_draw", gpu, has_gpu);
        if (!first_t) first_t = ts;
        last_t = ts;
        ++n;
    }
    if (n < 2) throw Error(label + ": an experiment-impact-tracker log needs at least two samples");
    if (!has_cpu && !has_gpu)
        throw Error(label + ": no rapl_estimated_attributable_power_draw or nvidia_estimated_attributable_power_draw in the log");
    t.duration_s = *last_t - *first_t;
    if (has_cpu) t.cpu_j = cpu;
    if (has_gpu) t.gpu_j = gpu;
    t.total_j = cpu + gpu;
    t.notes.push_back(fmt::format("experiment-impact-tracker: {} samples over {:.1f} s integrated as the tracker does (each "
                                  "sample's power since the one before); the stretch before the first sample and after the "
                                  "last (its info.pkl start and end) is not counted, nor its PUE of 1.58",
                                  n, *t.duration_s));
    return t;
}

TrackerReading read_tracker_file(const std::filesystem::path& given) {
    std::filesystem::path path = given;
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
        path = given / "impacttracker" / "data.json";
        if (!std::filesystem::exists(path, ec))
            throw Error(given.string() + " is a directory without impacttracker/data.json (an experiment-impact-tracker log "
                                         "directory); give that, or a CodeCarbon emissions.csv");
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error("cannot open tracker file '" + path.string() + "'");
    std::string text;
    char buf[65536];
    while (in) {
        in.read(buf, sizeof buf);
        const auto got = static_cast<std::size_t>(in.gcount());
        if (got == 0) break;
        if (std::memchr(buf, '\0', got)) throw Error("'" + path.string() + "' holds NUL bytes: not a tracker's text log");
        if (text.size() + got > k_max_bytes)
            throw Error(fmt::format("'{}' is larger than {} MiB, the most PowerML reads from a tracker file", path.string(),
                                    k_max_bytes / (1024 * 1024)));
        text.append(buf, got);
    }
    const auto first = text.find_first_not_of(" \t\r\n\xEF\xBB\xBF");
    if (first != std::string::npos && text[first] == '{') return read_impact_tracker_log(text, path.string());
    return read_codecarbon_csv(text, path.string());
}

Table tracker_comparison(const RunInput& run, const TrackerReading& tracker, std::vector<std::string>& notes) {
    const auto& s = run.summary;
    std::map<std::string, double> gross, net;
    double machine_gross = 0, machine_net = 0;
    bool has_machine = false;
    for (const auto& c : s.components) {
        const std::string b = bucket(c.component);
        if (b == "machine") {
            // The largest whole-machine reading (a wall meter over psys).
            if (!has_machine || c.gross_j > machine_gross) machine_gross = c.gross_j, machine_net = c.net_j;
            has_machine = true;
            continue;
        }
        if (!c.summed) continue;
        gross[b] += c.gross_j;
        net[b] += c.net_j;
    }
    const double total_gross = has_machine ? std::max(machine_gross, s.gross_j) : s.gross_j;
    const double total_net = has_machine && machine_gross >= s.gross_j ? machine_net : s.net_j;

    Table t;
    t.id = "tracker-comparison";
    t.title = "PowerML beside " + tracker.tool;
    t.columns = {"component", "powerml_gross_j", "powerml_net_j", "tracker_j", "tracker_over_powerml_gross", "note"};
    const bool attributable = tracker.scope == "attributable" || tracker.scope == "process";
    auto add = [&](const std::string& name, std::optional<double> pg, std::optional<double> pn, std::optional<double> tj) {
        Cell ratio;
        std::string note;
        if (pg && *pg > 0 && tj) ratio = *tj / *pg;
        if (pg && *pg > 0 && (!tj || *tj == 0))
            note = fmt::format("the tracker saw no {} energy; PowerML measured {}", name, joules_text(*pg));
        else if (!pg && tj && *tj > 0)
            note = "PowerML has no channel for this component";
        t.rows.push_back({name, pg ? Cell(*pg) : Cell(), pn ? Cell(*pn) : Cell(), tj ? Cell(*tj) : Cell(), ratio, note});
    };
    auto opt = [](const std::map<std::string, double>& m, const char* k) -> std::optional<double> {
        const auto it = m.find(k);
        return it == m.end() ? std::nullopt : std::optional<double>(it->second);
    };
    add("cpu", opt(gross, "cpu"), opt(net, "cpu"), tracker.cpu_j);
    add("gpu", opt(gross, "gpu"), opt(net, "gpu"), tracker.gpu_j);
    add("ram", opt(gross, "ram"), opt(net, "ram"), tracker.ram_j);
    add(has_machine ? "total (PowerML: whole machine)" : "total", total_gross, total_net, tracker.total_j);

    // Where the differences come from.
    if (tracker.total_j && total_gross > 0)
        notes.push_back(fmt::format("{} reported {:.0f} % of PowerML's gross energy ({} of {})", tracker.tool,
                                    *tracker.total_j / total_gross * 100.0, joules_text(*tracker.total_j), joules_text(total_gross)));
    if (s.baseline_s > 0) {
        notes.push_back(fmt::format("idle: PowerML's gross includes the machine's idle draw ({} over the run, from a {:.0f} s "
                                    "baseline); its net ({}) leaves it out{}",
                                    joules_text(total_gross - total_net), s.baseline_s, joules_text(total_net),
                                    tracker.total_j && total_net > 0
                                        ? fmt::format(": the tracker is {:.0f} % of net", *tracker.total_j / total_net * 100.0)
                                        : std::string()));
    } else {
        notes.push_back("idle: no baseline was measured, so PowerML's figures include the machine's idle draw; a tracker "
                        "cannot measure one either (it needs the job's Python running)");
    }
    if (tracker.scope == "machine")
        notes.push_back("the tracker counted the whole machine's components (CodeCarbon tracking_mode machine): idle draw included");
    else if (attributable)
        notes.push_back(fmt::format("the tracker counted only the job's share ({}): the idle draw and other processes are left "
                                    "out, so compare it with PowerML's net",
                                    tracker.scope == "process" ? "CodeCarbon tracking_mode process" : "attributable power"));
    for (const char* b : {"cpu", "gpu", "ram"}) {
        const auto pg = opt(gross, b);
        const auto tj = std::string(b) == "cpu" ? tracker.cpu_j : std::string(b) == "gpu" ? tracker.gpu_j : tracker.ram_j;
        if (pg && *pg > 0 && (!tj || *tj == 0))
            notes.push_back(fmt::format("the tracker cannot see this machine's {} (no counter it reads, e.g. no RAPL on an "
                                        "AMD CPU as in seed 003): {} of PowerML's measurement lies outside its view",
                                        b, joules_text(*pg)));
    }
    if (has_machine) {
        double seen = 0;
        for (const auto& v : {tracker.cpu_j, tracker.gpu_j, tracker.ram_j})
            if (v) seen += *v;
        if (machine_gross > seen)
            notes.push_back(fmt::format("PowerML's whole-machine reading includes what no component counter covers (power "
                                        "supply losses, fans, disks, board): {} beyond the components the tracker counted",
                                        joules_text(machine_gross - seen)));
    }
    if (tracker.pue != 1.0)
        notes.push_back(fmt::format("the tracker's energies included a PUE of {:g}; divided out here (PowerML's energies are "
                                    "measured, without PUE)",
                                    tracker.pue));
    if (tracker.duration_s && s.duration_s > 0 && std::abs(*tracker.duration_s - s.duration_s) > 0.05 * s.duration_s)
        notes.push_back(fmt::format("durations differ: the tracker ran {:.1f} s, PowerML measured {:.1f} s", *tracker.duration_s,
                                    s.duration_s));
    for (const auto& n : tracker.notes) notes.push_back(n);
    return t;
}

}  // namespace powerml::report
