#include "powerml/store/run_files.hpp"

#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <random>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "powerml/core/error.hpp"

namespace powerml::store {

using nlohmann::json;

std::string new_run_id(UtcMillis now) {
    const auto f = utc_fields(now);
    std::random_device device;
    return fmt::format("{:04}{:02}{:02}T{:02}{:02}{:02}Z-{:04x}", f.year, f.month, f.day, f.hour, f.minute, f.second,
                       device() & 0xffff);
}

namespace {

json optional_number(const std::optional<double>& value) { return value ? json(*value) : json(nullptr); }

json usage_json(const analysis::Usage& usage) {
    json out = {
        {"cpu_util_mean", optional_number(usage.cpu_util_mean)},
        {"mem_used_mean_b", optional_number(usage.mem_used_mean_b)},
        {"mem_used_max_b", optional_number(usage.mem_used_max_b)},
        {"disk_read_b", optional_number(usage.disk_read_b)},
        {"disk_write_b", optional_number(usage.disk_write_b)},
        {"net_rx_b", optional_number(usage.net_rx_b)},
        {"net_tx_b", optional_number(usage.net_tx_b)},
        {"process_cpu_s", optional_number(usage.process_cpu_s)},
    };
    if (!usage.gauges_mean.empty()) out["gauges_mean"] = usage.gauges_mean;
    return out;
}

// CSV cells never contain raw commas or quotes unescaped.
std::string csv_cell(const std::string& text) {
    if (text.find_first_of(",\"\n") == std::string::npos) return text;
    std::string quoted = "\"";
    for (const char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
    return quoted + "\"";
}

std::string number_cell(double value) { return std::isfinite(value) ? fmt::format("{:.9g}", value) : std::string(); }

}  // namespace

std::string summary_json(const RunRecord& record, int indent) {
    const auto& s = record.summary;
    json components = json::array();
    for (const auto& c : s.components) {
        json item = {{"name", c.name},           {"component", c.component}, {"source", c.source},
                     {"signal", c.signal},       {"kind", c.kind},           {"summed", c.summed},
                     {"energy_j", c.gross_j},    {"mean_power_w", c.mean_power_w},
                     {"baseline_power_w", c.baseline_power_w}, {"net_energy_j", c.net_j},
                     {"uncertainty_j", c.uncertainty_j}};
        if (!c.model_id.empty()) item["model_id"] = c.model_id;
        if (!c.contained_in.empty()) item["contained_in"] = c.contained_in;
        components.push_back(std::move(item));
    }
    json phases = json::array();
    for (const auto& p : s.phases) {
        json item = {{"name", p.name},
                     {"depth", p.depth},
                     {"parent", p.parent.empty() ? json(nullptr) : json(p.parent)},
                     {"start_s", p.start_s},
                     {"end_s", p.end_s},
                     {"duration_s", p.end_s - p.start_s},
                     {"closed_at_exit", p.closed_at_exit},
                     {"energy_j", {{"gross", p.gross_j}, {"baseline", p.baseline_j}, {"net", p.net_j}}},
                     {"usage", usage_json(p.usage)}};
        if (!p.metrics.empty()) item["metrics"] = p.metrics;
        phases.push_back(std::move(item));
    }
    const auto& carbon = record.carbon;
    json out = {
        {"schema", k_run_schema},
        {"run_id", record.id},
        {"status", record.status},
        {"command", record.command},
        {"host", record.host},
        {"started", format_rfc3339(record.started_utc_ms)},
        {"ended", format_rfc3339(record.ended_utc_ms)},
        {"exit_status", record.exit_status},
        {"duration_s", s.duration_s},
        {"interval_s", s.interval_s},
        {"samples", s.samples},
        {"baseline_s", s.baseline_s},
        {"energy_j",
         {{"gross", s.gross_j}, {"baseline", s.baseline_j}, {"net", s.net_j}, {"uncertainty", s.uncertainty_j}}},
        {"components", components},
        {"phases", phases},
        {"usage", usage_json(s.usage)},
        {"metrics", s.metrics},
        {"carbon",
         {{"zone", carbon.zone ? json(*carbon.zone) : json(nullptr)},
          {"g_co2e", optional_number(carbon.g_co2e)},
          {"g_co2e_uncertainty", carbon.g_co2e ? json(carbon.g_co2e_uncertainty) : json(nullptr)},
          {"intensity_g_per_kwh", optional_number(carbon.intensity_g_per_kwh)},
          {"intensity_source", carbon.intensity_source},
          {"pue", carbon.pue}}},
        {"data_quality",
         {{"counter_wraps", s.quality.counter_wraps},
          {"read_errors", s.quality.read_errors},
          {"gaps", s.quality.gaps},
          {"counter_resets", s.quality.counter_resets},
          {"control_errors", s.quality.control_errors}}},
        {"notes", s.notes},
    };
    if (!carbon.note.empty()) out["carbon"]["note"] = carbon.note;
    if (record.wall_corrected) {
        const auto& w = *record.wall_corrected;
        out["wall_corrected"] = {{"energy_j", {{"gross", w.gross_j}, {"baseline", w.baseline_j}, {"net", w.net_j}}},
                                 {"label", w.label}};
    }
    return out.dump(indent) + "\n";
}

std::string samples_csv(const sampler::Timeline& timeline) {
    // Energy channels are shown as the mean power over the interval ending at the row
    // (that is what a plot wants); usage channels as their raw value in SI units.
    std::string out = "t_s,time";
    for (const auto& channel : timeline.channels)
        out += "," + csv_cell(channel.energy_kind == sampler::EnergyKind::none ? channel.column() + "[" + channel.info.unit + "]"
                                                                               : channel.column() + "[W]");
    out += "\n";
    for (std::size_t i = 0; i < timeline.rows.size(); ++i) {
        const auto& row = timeline.rows[i];
        out += fmt::format("{:.4f},{}", row.t_s - timeline.job_start_s, format_rfc3339(row.utc_ms));
        const double dt = i > 0 ? row.t_s - timeline.rows[i - 1].t_s : 0.0;
        for (std::size_t c = 0; c < timeline.channels.size(); ++c) {
            out += ',';
            if (timeline.channels[c].energy_kind == sampler::EnergyKind::none) out += number_cell(row.values[c]);
            else if (i > 0 && dt > 0) out += number_cell(row.energy_j[c] / dt);
        }
        out += '\n';
    }
    return out;
}

std::string phases_csv(const RunRecord& record) {
    std::string out = "name,depth,parent,start_s,end_s,duration_s,gross_j,baseline_j,net_j,cpu_util_mean,process_cpu_s,closed_at_exit\n";
    for (const auto& p : record.summary.phases) {
        out += fmt::format("{},{},{},{:.4f},{:.4f},{:.4f},{:.6g},{:.6g},{:.6g},{},{},{}\n", csv_cell(p.name), p.depth,
                           csv_cell(p.parent), p.start_s, p.end_s, p.end_s - p.start_s, p.gross_j, p.baseline_j, p.net_j,
                           p.usage.cpu_util_mean ? number_cell(*p.usage.cpu_util_mean) : "",
                           p.usage.process_cpu_s ? number_cell(*p.usage.process_cpu_s) : "",
                           p.closed_at_exit ? "true" : "false");
    }
    return out;
}

void ensure_writable_dir(const std::filesystem::path& dir) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) throw Error("cannot create output directory " + dir.string() + ": " + ec.message());
    if (!std::filesystem::is_directory(dir)) throw Error("output path " + dir.string() + " is not a directory");
    if (::access(dir.c_str(), W_OK | X_OK) != 0)
        throw Error("cannot write to output directory " + dir.string() + ": " + std::strerror(errno));
}

void write_file_atomically(const std::filesystem::path& file, const std::string& content) {
    const auto temporary = file.parent_path() / ("." + file.filename().string() + ".tmp");
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        out << content;
        out.flush();
        if (!out) throw Error("cannot write " + temporary.string() + ": " + std::strerror(errno));
    }
    std::error_code ec;
    std::filesystem::rename(temporary, file, ec);
    if (ec) throw Error("cannot write " + file.string() + ": " + ec.message());
}

void write_run_files(const std::filesystem::path& dir, const RunRecord& record, const sampler::Timeline& timeline) {
    ensure_writable_dir(dir);
    write_file_atomically(dir / "samples.csv", samples_csv(timeline));
    write_file_atomically(dir / "phases.csv", phases_csv(record));
    write_file_atomically(dir / "summary.json", summary_json(record));
}

}  // namespace powerml::store
