#include "powerml/report/emissions_csv.hpp"

#include <sys/utsname.h>

#include <cmath>

#include <fmt/format.h>

#include "powerml/core/time.hpp"
#include "powerml/core/units.hpp"
#include "powerml/report/table.hpp"

namespace powerml::report {

const std::vector<std::string>& codecarbon_columns() {
    static const std::vector<std::string> columns = {
        "timestamp",    "project_name",  "run_id",       "duration",         "emissions",          "emissions_rate",
        "cpu_power",    "gpu_power",     "ram_power",    "cpu_energy",       "gpu_energy",         "ram_energy",
        "energy_consumed", "country_name", "country_iso_code", "region",     "cloud_provider",     "cloud_region",
        "os",           "python_version", "codecarbon_version", "cpu_count", "cpu_model",          "gpu_count",
        "gpu_model",    "longitude",     "latitude",     "ram_total_size",   "tracking_mode",      "on_cloud",
        "pue"};
    return columns;
}

namespace {

// CodeCarbon's three buckets from our component kinds; psys (the whole platform) and the CPU
// package both go to cpu, as CodeCarbon puts everything RAPL measures that is not DRAM there.
std::string bucket(const std::string& component) {
    if (component == "gpu") return "gpu";
    if (component == "dram" || component == "ram" || component == "memory") return "ram";
    return "cpu";
}

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
        double cpu = 0, gpu = 0, ram = 0;
        double gpu_count = 0;
        for (const auto& c : s.components) {
            if (c.component == record::Component::gpu) gpu_count += 1;
            if (!c.summed) continue;
            const std::string b = bucket(std::string(record::to_string(c.component)));
            // The basis carbon was charged on (net with an idle baseline, else gross), so that
            // emissions / energy_consumed is the intensity x PUE that was used.
            (b == "gpu" ? gpu : b == "ram" ? ram : cpu) += run.carbon.basis == record::EnergyBasis::net ? c.net_j : c.gross_j;
        }
        const double duration = s.duration_s;
        auto power = [&](double j) { return duration > 0 ? Cell(j / duration) : Cell(); };
        double ram_total_gb = NAN;
        for (std::size_t c = 0; c < run.timeline.channels.size(); ++c)
            if (run.timeline.channels[c].info.name == "PROCFS::MEM_TOTAL" && !run.timeline.rows.empty())
                ram_total_gb = run.timeline.rows.back().values[c] / 1e9;
        // CodeCarbon writes local ISO time without offset; we write UTC and say so with the Z.
        Cell emissions, rate;
        if (run.g_co2e) emissions = *run.g_co2e / 1000.0;
        if (run.g_co2e && duration > 0) rate = *run.g_co2e / 1000.0 / duration;
        t.rows.push_back({format_rfc3339(run.started_utc_ms), project_name, run.id, duration, emissions, rate, power(cpu),
                          power(gpu), power(ram), units::kwh_from_joules(cpu), units::kwh_from_joules(gpu),
                          units::kwh_from_joules(ram), units::kwh_from_joules(cpu + gpu + ram), Cell(), Cell(),
                          run.zone ? Cell(*run.zone) : Cell(), Cell(), Cell(), os, Cell(), Cell(), Cell(), Cell(), gpu_count,
                          Cell(), Cell(), Cell(), std::isfinite(ram_total_gb) ? Cell(ram_total_gb) : Cell(),
                          std::string("machine"), std::string("N"), run.pue});
    }
    return t.to_csv();
}

}  // namespace powerml::report
