#include "powerml/sensors/model_sensor.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "powerml/core/error.hpp"
#include "powerml/core/paths.hpp"

namespace powerml::sensors {

namespace {

std::vector<std::string> tokens_of(const std::string& text) {
    std::vector<std::string> tokens;
    std::istringstream in(text);
    for (std::string t; in >> t;) {
        std::transform(t.begin(), t.end(), t.begin(), [](unsigned char c) { return std::tolower(c); });
        tokens.push_back(t);
    }
    return tokens;
}

std::string value_after_colon(const std::string& line) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) return {};
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(" \t"));
    while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back()))) value.pop_back();
    return value;
}

// Reads data/hardware/coefficients-aws-use.csv (Cloud Carbon Footprint): per-vCPU min/max watts.
struct VcpuCoefficients {
    std::string architecture;
    double min_w, max_w;
};
std::vector<VcpuCoefficients> read_vcpu_coefficients(const std::filesystem::path& file) {
    std::vector<VcpuCoefficients> rows;
    std::ifstream in(file);
    std::string line;
    std::getline(in, line);  // header: ,Architecture,Min Watts,Max Watts,GB/Chip
    while (std::getline(in, line)) {
        std::vector<std::string> cells;
        std::stringstream ss(line);
        for (std::string cell; std::getline(ss, cell, ',');) cells.push_back(cell);
        if (cells.size() < 4) continue;
        try {
            rows.push_back({cells[1], std::stod(cells[2]), std::stod(cells[3])});
        } catch (const std::exception&) {
            continue;
        }
    }
    return rows;
}

}  // namespace

double CpuPowerCurve::watts(double utilisation) const {
    const double u = std::clamp(utilisation, 0.0, 1.0);
    return idle_w + (max_w - idle_w) * std::pow(u, exponent);
}

std::string normalise_cpu_name(const std::string& name) {
    static const std::regex noise(R"(\((R|r|TM|tm)\)|\bCPU\b|\bProcessor\b|@.*$|\d+-Core|with Radeon.*$)");
    std::string cleaned = std::regex_replace(name, noise, " ");
    std::string out;
    for (const auto& token : tokens_of(cleaned)) out += (out.empty() ? "" : " ") + token;
    return out;
}

MachineInfo read_machine_info(const std::filesystem::path& procfs_root) {
    MachineInfo info;
    std::ifstream cpuinfo(procfs_root / "cpuinfo");
    std::set<std::string> physical_ids;
    for (std::string line; std::getline(cpuinfo, line);) {
        if (line.starts_with("processor")) ++info.logical_cpus;
        else if (line.starts_with("model name") && info.cpu_model.empty()) info.cpu_model = value_after_colon(line);
        else if (line.starts_with("physical id")) physical_ids.insert(value_after_colon(line));
        else if (line.starts_with("flags") && line.find(" hypervisor") != std::string::npos) info.virtual_machine = true;
    }
    info.sockets = std::max<int>(1, static_cast<int>(physical_ids.size()));
    std::ifstream meminfo(procfs_root / "meminfo");
    for (std::string line; std::getline(meminfo, line);) {
        if (line.starts_with("MemTotal:")) {
            info.memory_bytes = std::stod(value_after_colon(line)) * 1024.0;
            break;
        }
    }
    return info;
}

CpuPowerCurve choose_cpu_curve(const MachineInfo& machine, const std::filesystem::path& data_dir) {
    CpuPowerCurve curve;
    const int cpus = std::max(1, machine.logical_cpus);
    if (machine.virtual_machine) {
        // A VM sees a few vCPUs of a large host: the host CPU's TDP would overcharge it.
        // Cloud Carbon Footprint's per-vCPU coefficients scale with the vCPUs the guest has.
        const auto rows = read_vcpu_coefficients(data_dir / "hardware" / "coefficients-aws-use.csv");
        if (!rows.empty()) {
            const std::string model = normalise_cpu_name(machine.cpu_model);
            const VcpuCoefficients* match = nullptr;
            for (const auto& row : rows) {
                const std::string arch = normalise_cpu_name(row.architecture);
                if (!arch.empty() && model.find(arch) != std::string::npos) match = &row;
            }
            double min_w = 0, max_w = 0;
            std::string label;
            if (match) {
                min_w = match->min_w;
                max_w = match->max_w;
                label = match->architecture;
            } else {
                for (const auto& row : rows) {
                    min_w += row.min_w;
                    max_w += row.max_w;
                }
                min_w /= static_cast<double>(rows.size());
                max_w /= static_cast<double>(rows.size());
                label = "average of all architectures";
            }
            curve.model_id = "ccf-vcpu-linear:" + label;
            curve.idle_w = min_w * cpus;
            curve.max_w = max_w * cpus;
            curve.relative_uncertainty = 0.4;
            curve.explanation = fmt::format(
                "virtual machine with {} vCPUs of '{}': {} x ({:.2f} W + ({:.2f} - {:.2f}) W x utilisation), "
                "Cloud Carbon Footprint AWS per-vCPU coefficients ({})",
                cpus, machine.cpu_model, cpus, min_w, max_w, min_w, label);
            return curve;
        }
    }
    // Bare metal: the CPU's TDP, with 10 % of it at idle, per socket.
    std::ifstream table(data_dir / "hardware" / "cpu-tdp.csv");
    const std::string wanted = normalise_cpu_name(machine.cpu_model);
    const auto wanted_tokens = tokens_of(wanted);
    std::string best_name;
    double best_tdp = 0;
    std::size_t best_tokens = 0;
    std::string line;
    std::getline(table, line);  // Name,TDP
    while (std::getline(table, line)) {
        const auto comma = line.rfind(',');
        if (comma == std::string::npos) continue;
        const std::string entry = normalise_cpu_name(line.substr(0, comma));
        const auto entry_tokens = tokens_of(entry);
        if (entry_tokens.size() < 2 || entry_tokens.size() < best_tokens) continue;
        const bool all_present = std::all_of(entry_tokens.begin(), entry_tokens.end(), [&](const std::string& t) {
            return std::find(wanted_tokens.begin(), wanted_tokens.end(), t) != wanted_tokens.end();
        });
        if (!all_present || entry_tokens.size() == best_tokens) continue;
        try {
            best_tdp = std::stod(line.substr(comma + 1));
        } catch (const std::exception&) {
            continue;
        }
        best_tokens = entry_tokens.size();
        best_name = line.substr(0, comma);
    }
    if (best_tokens > 0 && best_tdp > 0) {
        curve.model_id = "tdp-linear:" + best_name;
        curve.idle_w = 0.1 * best_tdp * machine.sockets;
        curve.max_w = best_tdp * machine.sockets;
        curve.relative_uncertainty = 0.3;
        curve.explanation = fmt::format("'{}' matched '{}' (TDP {} W) in data/hardware/cpu-tdp.csv; "
                                        "P = {} socket(s) x TDP x (0.1 + 0.9 x utilisation)",
                                        machine.cpu_model, best_name, best_tdp, machine.sockets);
        return curve;
    }
    curve.model_id = "default-unknown-cpu";
    curve.idle_w = 8.5 * machine.sockets;
    curve.max_w = 85.0 * machine.sockets;
    curve.exponent = 3.0;
    curve.relative_uncertainty = 0.5;
    curve.explanation = fmt::format("'{}' is not in data/hardware/cpu-tdp.csv: explicit default for an unknown CPU, "
                                    "P = {} x 85 W x (0.1 + 0.9 x utilisation^3)",
                                    machine.cpu_model, machine.sockets);
    return curve;
}

ModelSensor::ModelSensor(std::filesystem::path procfs_root, const std::filesystem::path& data_dir, std::shared_ptr<ProcStat> stat)
    : m_proc(std::move(procfs_root)),
      m_machine(read_machine_info(m_proc)),
      m_cpu(choose_cpu_curve(m_machine, data_dir)),
      m_stat(stat ? std::move(stat) : std::make_shared<ProcStat>(m_proc)) {
    m_dram_w = m_machine.memory_bytes / 1e9 * k_dram_w_per_gb;
}

std::vector<SignalInfo> ModelSensor::signals() const {
    std::vector<SignalInfo> list;
    if (m_model_cpu) {
        SignalInfo s;
        s.name = "MODEL::CPU_POWER";
        s.domain = "cpu";
        s.unit = "W";
        s.kind = SignalKind::gauge;
        s.component = "cpu";
        s.provenance = Provenance::model;
        s.model_id = m_cpu.model_id;
        s.relative_uncertainty = m_cpu.relative_uncertainty;
        s.description = m_cpu.explanation;
        list.push_back(s);
    }
    if (m_model_dram) {
        SignalInfo s;
        s.name = "MODEL::DRAM_POWER";
        s.domain = "dram";
        s.unit = "W";
        s.kind = SignalKind::gauge;
        s.component = "dram";
        s.provenance = Provenance::model;
        s.model_id = "dram-per-gb:0.375";
        s.relative_uncertainty = 0.5;
        s.description = fmt::format("{:.1f} GB installed x 0.375 W/GB (fallback when no DRAM sensor or DIMM data)",
                                    m_machine.memory_bytes / 1e9);
        list.push_back(s);
    }
    return list;
}

int ModelSensor::push_signal(std::string_view signal, int domain_idx) {
    if (domain_idx != 0) throw Error("model signals have one domain");
    if (signal == "MODEL::CPU_POWER" && m_model_cpu) m_pushed.push_back(0);
    else if (signal == "MODEL::DRAM_POWER" && m_model_dram) m_pushed.push_back(1);
    else throw Error("model has no signal " + std::string(signal));
    return static_cast<int>(m_pushed.size()) - 1;
}

void ModelSensor::read_batch() {
    if (!m_stat->refresh(this)) {
        m_cpu_w = NAN;
        return;
    }
    // The first read has no interval yet: it gives the average since boot.
    const auto utilisation = ProcStat::utilisation(m_prev_cpu, m_stat->times());
    m_prev_cpu = m_stat->times();
    m_cpu_w = m_cpu.watts(utilisation[0]);
}

double ModelSensor::sample(int handle) const {
    if (handle < 0 || handle >= static_cast<int>(m_pushed.size())) return NAN;
    return m_pushed[static_cast<std::size_t>(handle)] == 0 ? m_cpu_w : m_dram_w;
}

}  // namespace powerml::sensors
