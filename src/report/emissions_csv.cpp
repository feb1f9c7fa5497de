#include "powerml/report/emissions_csv.hpp"

#include <sys/utsname.h>

#include <cmath>

#include <fmt/format.h>

#include "powerml/core/time.hpp"
#include "powerml/core/units.hpp"
#include "powerml/report/table.hpp"

namespace powerml::report {

const std::vector<std::string>& codecarbon_columns() {
    // CodeCarbon 3.x: the fields of codecarbon/output_methods/emissions_data.py EmissionsData,
    // in their order (3.3.0). Its FileOutput appends to a file only when the header holds
    // exactly these names (compared as sets); otherwise it moves the file aside.
    static const std::vector<std::string> columns = {
        "timestamp",         "project_name",       "run_id",          "experiment_id",
        "duration",          "emissions",          "emissions_rate",  "cpu_power",
        "gpu_power",         "ram_power",          "cpu_energy",      "gpu_energy",
        "ram_energy",        "energy_consumed",    "water_consumed",  "country_name",
        "country_iso_code",  "region",             "cloud_provider",  "cloud_region",
        "os",                "python_version",     "codecarbon_version", "cpu_count",
        "cpu_model",         "gpu_count",          "gpu_model",       "longitude",
        "latitude",          "ram_total_size",     "tracking_mode",   "cpu_utilization_percent",
        "gpu_utilization_percent", "ram_utilization_percent", "ram_used_gb", "on_cloud",
        "pue",               "wue"};
    return columns;
}

const std::vector<std::string>& codecarbon2_columns() {
    // CodeCarbon 2.x (2.3 - 2.8): what PowerML wrote before, and what older files hold.
    static const std::vector<std::string> columns = {
        "timestamp",    "project_name",  "run_id",       "duration",         "emissions",          "emissions_rate",
        "cpu_power",    "gpu_power",     "ram_power",    "cpu_energy",       "gpu_energy",         "ram_energy",
        "energy_consumed", "country_name", "country_iso_code", "region",     "cloud_provider",     "cloud_region",
        "os",           "python_version", "codecarbon_version", "cpu_count", "cpu_model",          "gpu_count",
        "gpu_model",    "longitude",     "latitude",     "ram_total_size",   "tracking_mode",      "on_cloud",
        "pue"};
    return columns;
}

const char* codecarbon_bucket(record::Component component) {
    if (component == record::Component::gpu) return "gpu";
    if (component == record::Component::dram) return "ram";
    return "cpu";
}

namespace {

std::string os_name() {
    struct utsname u {};
    if (::uname(&u) != 0) return "Linux";
    return fmt::format("{}-{}-{}", u.sysname, u.release, u.machine);
}

}  // namespace

std::string emissions_csv(const std::vector<RunInput>& runs, const std::string& project_name) {
    Table t;
    t.columns = codecarbon_columns();
    const std::string os = os_name();
    for (const auto& run : runs) {
        const auto& s = run.summary;
        // One basis for energy and emissions: the energy the run's carbon was computed from,
        // i.e. each summed channel's net energy (gross less the measured idle baseline; equal
        // to gross when no baseline was measured) times PUE -- as CodeCarbon multiplies its
        // energies by PUE before it charges them. Powers are the measured mean draw (gross,
        // without PUE), as CodeCarbon's are.
        double cpu = 0, gpu = 0, ram = 0, cpu_w = 0, gpu_w = 0, ram_w = 0;
        double gpu_count = 0;
        for (const auto& c : s.components) {
            if (c.component == record::Component::gpu) gpu_count += 1;
            if (!c.summed) continue;
            const std::string b = codecarbon_bucket(c.component);
            (b == "gpu" ? gpu : b == "ram" ? ram : cpu) += c.net_j * run.pue;
            (b == "gpu" ? gpu_w : b == "ram" ? ram_w : cpu_w) += c.gross_j;
        }
        const double duration = s.duration_s;
        auto power = [&](double j) { return duration > 0 ? Cell(j / duration) : Cell(); };
        double ram_total_gb = NAN;
        for (std::size_t c = 0; c < run.timeline.channels.size(); ++c)
            if (run.timeline.channels[c].info.name == "PROCFS::MEM_TOTAL" && !run.timeline.rows.empty())
                ram_total_gb = run.timeline.rows.back().values[c] / 1e9;
        auto percent = [](const std::optional<double>& share) { return share ? Cell(*share * 100.0) : Cell(); };
        Cell ram_util, ram_used;
        if (s.usage.mem_used_mean_b) {
            ram_used = *s.usage.mem_used_mean_b / 1e9;
            if (std::isfinite(ram_total_gb) && ram_total_gb > 0) ram_util = *s.usage.mem_used_mean_b / 1e9 / ram_total_gb * 100.0;
        }
        // CodeCarbon writes local ISO time without offset; we write UTC and say so with the Z.
        Cell emissions, rate;
        if (run.g_co2e) emissions = *run.g_co2e / 1000.0;
        if (run.g_co2e && duration > 0) rate = *run.g_co2e / 1000.0 / duration;
        // Water is not estimated by PowerML: water_consumed and wue stay empty.
        t.rows.push_back({format_rfc3339(run.started_utc_ms), project_name, run.id, Cell(), duration, emissions, rate,
                          power(cpu_w), power(gpu_w), power(ram_w), units::kwh_from_joules(cpu), units::kwh_from_joules(gpu),
                          units::kwh_from_joules(ram), units::kwh_from_joules(cpu + gpu + ram), Cell(), Cell(), Cell(),
                          run.zone ? Cell(*run.zone) : Cell(), Cell(), Cell(), os, Cell(), Cell(), Cell(), Cell(), gpu_count,
                          Cell(), Cell(), Cell(), std::isfinite(ram_total_gb) ? Cell(ram_total_gb) : Cell(),
                          std::string("machine"), percent(s.usage.cpu_util_mean), Cell(), ram_util, ram_used,
                          std::string("N"), run.pue, Cell()});
    }
    return t.to_csv();
}

std::string emissions_basis(const std::vector<RunInput>& runs) {
    bool any_baseline = false;
    for (const auto& r : runs) any_baseline = any_baseline || r.summary.baseline_s > 0;
    return any_baseline ? "energies are net of the measured idle baseline, times PUE: the energy the emissions were computed from"
                        : "energies are gross (no idle baseline was measured), times PUE: the energy the emissions were computed from";
}

}  // namespace powerml::report
