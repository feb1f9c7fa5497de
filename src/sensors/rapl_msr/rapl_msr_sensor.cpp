#include "powerml/sensors/rapl_msr_sensor.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <map>
#include <sstream>

#include "../common/sysfs_number.hpp"
#include "powerml/core/error.hpp"

namespace powerml::sensors {

namespace {

constexpr double k_nan = std::numeric_limits<double>::quiet_NaN();

struct CpuId {
    std::string vendor;
    int family = 0;
    int model = 0;
};

CpuId read_cpuinfo(const std::filesystem::path& procfs_root) {
    CpuId id;
    std::string text;
    if (!paths::read_small_file(procfs_root / "cpuinfo", text)) return id;
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        const auto colon = line.find(':');
        if (colon == std::string::npos) {
            if (!id.vendor.empty()) break;  // first processor block is enough
            continue;
        }
        std::string key = line.substr(0, colon);
        while (!key.empty() && (key.back() == ' ' || key.back() == '\t')) key.pop_back();
        const std::string value = colon + 2 <= line.size() ? line.substr(colon + 2) : "";
        if (key == "vendor_id") id.vendor = value;
        else if (key == "cpu family") id.family = std::atoi(value.c_str());
        else if (key == "model") id.model = std::atoi(value.c_str());
    }
    return id;
}

// Intel server parts count DRAM energy in fixed 15.3 uJ (2^-16 J) units whatever 0x606 says
// (the kernel's intel_rapl driver lists the same models).
bool intel_dram_fixed_unit(int family, int model) {
    if (family != 6) return false;
    for (int m : {0x3F, 0x4F, 0x56, 0x55, 0x6A, 0x6C, 0x8F, 0xCF, 0x57, 0x85})
        if (model == m) return true;
    return false;
}

struct Topology {
    std::map<int, int> package_cpu;                // package -> first CPU
    std::map<std::pair<int, int>, int> core_cpu;   // (package, core) -> first CPU
};

Topology read_topology(const std::filesystem::path& sysfs_root) {
    Topology t;
    for (const auto& dir : detail::sorted_entries(sysfs_root / "devices/system/cpu")) {
        const std::string name = dir.filename().string();
        if (name.rfind("cpu", 0) != 0 || name.size() < 4 || !std::isdigit(static_cast<unsigned char>(name[3]))) continue;
        const int cpu = std::atoi(name.c_str() + 3);
        double package = 0, core = cpu;
        if (!detail::read_number(dir / "topology/physical_package_id", package)) continue;
        detail::read_number(dir / "topology/core_id", core);
        t.package_cpu.emplace(static_cast<int>(package), cpu);
        t.core_cpu.emplace(std::make_pair(static_cast<int>(package), static_cast<int>(core)), cpu);
    }
    if (t.package_cpu.empty()) {  // no topology (containers): CPU 0 stands for package 0
        t.package_cpu.emplace(0, 0);
        t.core_cpu.emplace(std::make_pair(0, 0), 0);
    }
    return t;
}

double unit_from_register(std::uint64_t raw) { return std::ldexp(1.0, -static_cast<int>((raw >> 8) & 0x1f)); }

}  // namespace

std::filesystem::path devfs_root() {
    const char* value = std::getenv("POWERML_DEVFS_ROOT");
    return (value && *value) ? std::filesystem::path(value) : std::filesystem::path("/dev");
}

RaplMsrSensor::RaplMsrSensor(const ProbeContext& context, std::shared_ptr<MsrAccess> msr) : m_msr(std::move(msr)) {
    const CpuId cpu = read_cpuinfo(context.procfs_root);
    const bool intel = cpu.vendor == "GenuineIntel";
    const bool amd = cpu.vendor == "AuthenticAMD" || cpu.vendor == "HygonGenuine";
    if (!intel && !amd)
        throw Error("CPU vendor '" + cpu.vendor + "' in " + (context.procfs_root / "cpuinfo").string() +
                    " has no known RAPL registers");
    if (amd && cpu.family < 0x17) throw Error("AMD family " + std::to_string(cpu.family) + " predates RAPL (Zen, 17h)");
    m_vendor = cpu.vendor;
    // Without the msr driver or the privilege (every VM, most users) no CPU opens: found out on
    // CPU 0, which x86 keeps online, before the topology walk (files per CPU) that each
    // Tracker's probe otherwise paid for only to fail.
    m_msr->open_cpu(0);
    const Topology topo = read_topology(context.sysfs_root);

    auto open_cpu = [&](int n) { m_msr->open_cpu(n); };
    auto read_register = [&](int n, std::uint32_t reg, std::uint64_t& raw) { return m_msr->read(n, reg, raw); };
    const std::uint32_t unit_reg = intel ? msr::k_intel_power_unit : msr::k_amd_power_unit;
    auto add = [&](const char* signal, int idx, std::string domain, int n, std::uint32_t reg, double unit,
                   const char* component, std::string contained_in) {
        std::uint64_t raw = 0;
        if (!read_register(n, reg, raw)) return;  // this part lacks the domain
        Domain d;
        d.cpu = n;
        d.reg = reg;
        d.unit_j = unit;
        d.info.name = signal;
        d.info.domain_idx = idx;
        d.info.domain = std::move(domain);
        d.info.unit = record::Unit::joule;
        d.info.kind = SignalKind::counter;
        d.info.wrap_at = 4294967296.0 * unit;
        d.info.resolution = unit;
        d.info.component = record::component_from_string(component).value_or(record::Component::other);
        d.info.contained_in = std::move(contained_in);
        char reg_text[16];
        std::snprintf(reg_text, sizeof reg_text, "0x%X", reg);
        d.info.description = std::string("MSR ") + reg_text + " on CPU " + std::to_string(n);
        m_domains.push_back(std::move(d));
    };
    for (const auto& [package, n] : topo.package_cpu) {
        open_cpu(n);
        std::uint64_t unit_raw = 0;
        if (!read_register(n, unit_reg, unit_raw))
            throw Error("cannot read the RAPL unit register on CPU " + std::to_string(n) + ": this CPU has no RAPL MSRs");
        const double unit = unit_from_register(unit_raw);
        const std::string name = "package-" + std::to_string(package);
        if (intel) {
            add("RAPL_MSR::PKG_ENERGY", package, name, n, msr::k_intel_pkg_energy, unit, "cpu", "");
            add("RAPL_MSR::DRAM_ENERGY", package, "dram-" + std::to_string(package), n, msr::k_intel_dram_energy,
                intel_dram_fixed_unit(cpu.family, cpu.model) ? std::ldexp(1.0, -16) : unit, "dram", "");
        } else {
            add("RAPL_MSR::PKG_ENERGY", package, name, n, msr::k_amd_pkg_energy, unit, "cpu", "");
        }
    }
    if (amd) {
        int idx = 0;
        for (const auto& [key, n] : topo.core_cpu) {
            open_cpu(n);
            add("RAPL_MSR::CORE_ENERGY", idx++,
                "package-" + std::to_string(key.first) + "/core-" + std::to_string(key.second), n,
                msr::k_amd_core_energy, unit_from_register([&] {
                    std::uint64_t raw = 0;
                    read_register(n, unit_reg, raw);
                    return raw;
                }()),
                "cpu", "RAPL_MSR::PKG_ENERGY");
        }
    }
    if (m_domains.empty()) throw Error("no RAPL energy register answered");
}

std::vector<SignalInfo> RaplMsrSensor::signals() const {
    std::vector<SignalInfo> out;
    for (const auto& d : m_domains) out.push_back(d.info);
    return out;
}

int RaplMsrSensor::push_signal(std::string_view signal, int domain_idx) {
    for (std::size_t i = 0; i < m_domains.size(); ++i) {
        if (m_domains[i].info.name == signal && m_domains[i].info.domain_idx == domain_idx) {
            m_pushed.push_back(i);
            m_values.push_back(k_nan);
            return static_cast<int>(m_pushed.size() - 1);
        }
    }
    throw Error("rapl_msr: no signal " + std::string(signal) + " with domain " + std::to_string(domain_idx));
}

void RaplMsrSensor::read_batch() {
    for (std::size_t h = 0; h < m_pushed.size(); ++h) {
        const Domain& d = m_domains[m_pushed[h]];
        std::uint64_t raw = 0;
        // Energy status fields are bits 31:0; the upper half is reserved.
        m_values[h] = m_msr->read(d.cpu, d.reg, raw) ? static_cast<double>(raw & 0xffffffffULL) * d.unit_j : k_nan;
    }
}

double RaplMsrSensor::sample(int handle) const {
    if (handle < 0 || static_cast<std::size_t>(handle) >= m_values.size()) return k_nan;
    return m_values[static_cast<std::size_t>(handle)];
}

Probe probe_rapl_msr(const ProbeContext& context, std::shared_ptr<MsrAccess> msr) {
    Probe probe;
    probe.source = "rapl_msr";
    try {
        auto sensor = std::make_unique<RaplMsrSensor>(context, std::move(msr));
        probe.detail = sensor->vendor() + ": ";
        for (std::size_t i = 0; i < sensor->domains().size(); ++i)
            probe.detail += (i ? ", " : "") + sensor->domains()[i].info.domain;
        probe.sensor = std::move(sensor);
    } catch (const Error& e) {
        probe.reason = e.what();
        const std::string r = probe.reason;
        if (r.find("modprobe msr") != std::string::npos)
            probe.remedy = "load the msr driver as root: modprobe msr";
        else if (r.find("CAP_SYS_RAWIO") != std::string::npos)
            probe.remedy = "run as root, or grant CAP_SYS_RAWIO (setcap cap_sys_rawio=ep $(command -v powerml)); "
                           "the powercap or perf_event RAPL sources need less privilege";
        else
            probe.remedy = "none: this CPU has no RAPL registers; CPU power falls back to a model";
    }
    return probe;
}

}  // namespace powerml::sensors
