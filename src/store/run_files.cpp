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
#include "powerml/record/summary_json.hpp"

namespace powerml::store {

using nlohmann::json;

std::string new_run_id(UtcMillis now) {
    const auto f = utc_fields(now);
    std::random_device device;
    return fmt::format("{:04}{:02}{:02}T{:02}{:02}{:02}Z-{:04x}", f.year, f.month, f.day, f.hour, f.minute, f.second,
                       device() & 0xffff);
}

namespace {

// CSV cells never contain raw commas or quotes unescaped.
std::string csv_cell(const std::string& text) {
    if (text.find_first_of(",\"\n") == std::string::npos) return text;
    std::string quoted = "\"";
    for (const char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
    return quoted + "\"";
}

std::string number_cell(double value) { return std::isfinite(value) ? fmt::format("{:.9g}", value) : std::string(); }

}  // namespace

std::string samples_csv(const record::Timeline& timeline) {
    // Energy channels are shown as the mean power over the interval ending at the row
    // (that is what a plot wants); usage channels as their raw value in SI units.
    std::string out = "t_s,time";
    for (const auto& channel : timeline.channels)
        out += "," + csv_cell(channel.energy_kind == record::EnergyKind::none ? channel.column() + "[" + std::string(record::to_string(channel.info.unit)) + "]"
                                                                               : channel.column() + "[W]");
    out += "\n";
    for (std::size_t i = 0; i < timeline.rows.size(); ++i) {
        const auto& row = timeline.rows[i];
        out += fmt::format("{:.4f},{}", row.t_s - timeline.job_start_s, format_rfc3339(row.utc_ms));
        const double dt = i > 0 ? row.t_s - timeline.rows[i - 1].t_s : 0.0;
        for (std::size_t c = 0; c < timeline.channels.size(); ++c) {
            out += ',';
            if (timeline.channels[c].energy_kind == record::EnergyKind::none) out += number_cell(row.values[c]);
            else if (i > 0 && dt > 0) out += number_cell(row.energy_j[c] / dt);
        }
        out += '\n';
    }
    return out;
}

std::string phases_csv(const record::RunRecord& record) {
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
    std::error_code ec;
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        out << content;
        out.flush();
        if (!out) {
            const std::string why = errno ? std::strerror(errno) : "write failed";
            out.close();
            std::filesystem::remove(temporary, ec);  // no half file left behind (a full disk)
            throw Error("cannot write " + file.string() + ": " + why);
        }
    }
    std::filesystem::rename(temporary, file, ec);
    if (ec) {
        std::error_code ignored;
        std::filesystem::remove(temporary, ignored);
        throw Error("cannot write " + file.string() + ": " + ec.message());
    }
}

void write_run_files(const std::filesystem::path& dir, const record::RunRecord& record, const record::Timeline& timeline) {
    ensure_writable_dir(dir);
    // Smallest and most needed first, and each one tried whatever happened to the others: on a
    // disk that fills up, the summary is the file most worth having.
    std::string errors;
    const auto attempt = [&](const char* name, const std::string& content) {
        try {
            write_file_atomically(dir / name, content);
        } catch (const Error& e) {
            errors += (errors.empty() ? "" : "; ") + std::string(e.what());
        }
    };
    attempt("summary.json", record::summary_json(record));
    attempt("phases.csv", phases_csv(record));
    attempt("samples.csv", samples_csv(timeline));
    if (!errors.empty()) throw Error(errors);
}

}  // namespace powerml::store
