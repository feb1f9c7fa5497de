#include "powerml/sensors/rapl_powercap_sensor.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fcntl.h>
#include <map>
#include <unistd.h>

#include "powerml/core/error.hpp"
#include "powerml/core/paths.hpp"

namespace powerml::sensors {

namespace {

std::string trimmed(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    return text;
}

bool parse_u64(const std::string& text, double& out) {
    unsigned long long value = 0;
    const std::string t = trimmed(text);
    const auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), value);
    if (ec != std::errc() || ptr != t.data() + t.size() || t.empty()) return false;
    out = static_cast<double>(value);
    return true;
}

// "package-0" -> "package"; "dram" -> "dram"; "psys" -> "psys"; "core" -> "core".
std::string kind_of(const std::string& zone_name) {
    const auto dash = zone_name.find('-');
    return dash == std::string::npos ? zone_name : zone_name.substr(0, dash);
}

// Package number of a zone id "intel-rapl:1:0" -> 1.
std::string package_number(const std::string& zone_id) {
    const auto first = zone_id.find(':');
    if (first == std::string::npos) return "0";
    const auto second = zone_id.find(':', first + 1);
    return zone_id.substr(first + 1, second == std::string::npos ? std::string::npos : second - first - 1);
}

}  // namespace

RaplPowercapSensor::RaplPowercapSensor(const std::filesystem::path& sysfs_root) {
    const auto base = sysfs_root / "class" / "powercap";
    std::error_code ec;
    std::vector<std::filesystem::path> dirs;
    for (const auto& entry : std::filesystem::directory_iterator(base, ec)) {
        const std::string name = entry.path().filename().string();
        if (name.starts_with("intel-rapl:") || name.starts_with("intel-rapl-mmio:")) dirs.push_back(entry.path());
    }
    std::sort(dirs.begin(), dirs.end());
    std::map<std::string, std::string> package_domain_by_number;  // "0" -> "package-0"
    std::vector<RaplZone> mmio;
    for (const auto& dir : dirs) {
        RaplZone zone;
        zone.dir = dir;
        zone.zone_id = dir.filename().string();
        std::string text;
        if (!paths::read_small_file(dir / "name", text)) continue;  // a vanished or odd zone
        const std::string zone_name = trimmed(text);
        zone.kind = kind_of(zone_name);
        const std::string number = package_number(zone.zone_id);
        const bool sub_zone = std::count(zone.zone_id.begin(), zone.zone_id.end(), ':') >= 2;
        if (zone.kind == "package") {
            zone.domain = zone_name;  // "package-0"
        } else if (zone.kind == "psys") {
            zone.domain = "psys";
        } else {
            zone.domain = zone.kind + "-" + number;  // "core-0", "dram-0"
        }
        if (sub_zone) zone.parent_domain = "package-" + number;
        double range_uj = 0;
        if (paths::read_small_file(dir / "max_energy_range_uj", text) && parse_u64(text, range_uj))
            zone.max_range_j = range_uj * 1e-6;
        const int fd = ::open((dir / "energy_uj").c_str(), O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
            char buffer[32];
            const ssize_t n = ::read(fd, buffer, sizeof buffer);
            zone.readable = n > 0;
            if (!zone.readable) zone.unreadable_reason = std::string("read failed: ") + std::strerror(errno);
            ::close(fd);
        } else {
            zone.unreadable_reason = std::strerror(errno);
        }
        if (zone.zone_id.starts_with("intel-rapl-mmio:")) {
            mmio.push_back(std::move(zone));
        } else {
            if (zone.kind == "psys") m_has_psys = true;
            m_zones.push_back(std::move(zone));
        }
    }
    // intel-rapl-mmio repeats the package domain of intel-rapl on recent Intel client CPUs;
    // keep it only when the MSR-backed tree does not already have that domain.
    for (auto& zone : mmio) {
        const bool duplicate = std::any_of(m_zones.begin(), m_zones.end(),
                                           [&](const RaplZone& z) { return z.domain == zone.domain; });
        if (!duplicate) m_zones.push_back(std::move(zone));
    }
    m_values.assign(m_zones.size(), NAN);
}

bool RaplPowercapSensor::any_readable() const {
    return std::any_of(m_zones.begin(), m_zones.end(), [](const RaplZone& z) { return z.readable; });
}

std::string RaplPowercapSensor::access_problem() const {
    for (const auto& zone : m_zones) {
        if (!zone.readable) return (zone.dir / "energy_uj").string() + ": " + zone.unreadable_reason;
    }
    return {};
}

std::string RaplPowercapSensor::access_remedy() {
    return "energy_uj is readable by root only since CVE-2020-8694. Either run as root, or grant read "
           "access until reboot with 'sudo chmod o+r /sys/class/powercap/intel-rapl*/energy_uj "
           "/sys/class/powercap/intel-rapl*/*/energy_uj', or permanently with a udev rule "
           "(/etc/udev/rules.d/99-powerml-rapl.rules: SUBSYSTEM==\"powercap\", ACTION==\"add\", "
           "RUN+=\"/bin/chmod o+r /sys%p/energy_uj\"), or allow the perf_event power PMU "
           "(sysctl kernel.perf_event_paranoid=0, or CAP_PERFMON)";
}

std::string RaplPowercapSensor::signal_for_kind(const std::string& kind) {
    if (kind == "package") return "RAPL::PKG_ENERGY";
    if (kind == "core") return "RAPL::CORE_ENERGY";
    if (kind == "uncore") return "RAPL::UNCORE_ENERGY";
    if (kind == "dram") return "RAPL::DRAM_ENERGY";
    if (kind == "psys") return "RAPL::PSYS_ENERGY";
    return "RAPL::" + kind + "_ENERGY";
}

std::vector<SignalInfo> RaplPowercapSensor::signals() const {
    std::vector<SignalInfo> list;
    for (std::size_t i = 0; i < m_zones.size(); ++i) {
        const RaplZone& zone = m_zones[i];
        if (!zone.readable) continue;
        SignalInfo s;
        s.name = signal_for_kind(zone.kind);
        s.domain_idx = static_cast<int>(i);
        s.domain = zone.domain;
        s.unit = record::Unit::joule;
        s.kind = SignalKind::counter;
        s.wrap_at = zone.max_range_j > 0 ? zone.max_range_j + 1e-6 : 0.0;  // counts 0..max inclusive
        s.resolution = 1e-6;
        s.component = zone.kind == "dram" ? record::Component::dram : zone.kind == "psys" ? record::Component::psys : record::Component::cpu;
        // psys (the platform) contains the packages and DRAM; a package contains its core and
        // uncore. Only the outermost domains are summed.
        if (!zone.parent_domain.empty() && zone.kind != "dram") s.contained_in = zone.parent_domain;
        if (m_has_psys && zone.kind != "psys" && s.contained_in.empty()) s.contained_in = "psys";
        s.description = "RAPL " + zone.kind + " energy from " + zone.dir.string() + "/energy_uj";
        list.push_back(std::move(s));
    }
    return list;
}

int RaplPowercapSensor::push_signal(std::string_view signal, int domain_idx) {
    if (domain_idx < 0 || domain_idx >= static_cast<int>(m_zones.size()) ||
        signal_for_kind(m_zones[static_cast<std::size_t>(domain_idx)].kind) != signal)
        throw Error("rapl has no signal " + std::string(signal) + " in domain " + std::to_string(domain_idx));
    m_pushed.push_back(domain_idx);
    return static_cast<int>(m_pushed.size()) - 1;
}

void RaplPowercapSensor::read_batch() {
    if (m_energy_files.size() != m_zones.size())
        for (const auto& zone : m_zones) m_energy_files.push_back(zone.dir / "energy_uj");
    for (const int zone_idx : m_pushed) {
        const auto i = static_cast<std::size_t>(zone_idx);
        double uj = 0;
        // A zone that vanishes (module unloaded, CPU offlined) reads as NaN and is counted
        // by the sampler as a read error; it is never taken for zero energy.
        if (paths::read_small_file(m_energy_files[i], m_buffer) && parse_u64(m_buffer, uj)) {
            m_values[i] = uj * 1e-6;
        } else {
            m_values[i] = NAN;
        }
    }
}

double RaplPowercapSensor::sample(int handle) const {
    if (handle < 0 || handle >= static_cast<int>(m_pushed.size())) return NAN;
    return m_values[static_cast<std::size_t>(m_pushed[static_cast<std::size_t>(handle)])];
}

}  // namespace powerml::sensors
