#include "powerml/sensors/rapl_perf_sensor.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "../common/sysfs_number.hpp"
#include "powerml/core/error.hpp"

namespace powerml::sensors {

namespace {

constexpr double k_nan = std::numeric_limits<double>::quiet_NaN();

struct EventSpec {
    const char* event;
    const char* signal;
    const char* component;
};
// The events the kernel's RAPL PMU defines (arch/x86/events/rapl.c), in listing order.
constexpr EventSpec k_events[] = {
    {"energy-pkg", "RAPL_PERF::PKG_ENERGY", "cpu"},   {"energy-cores", "RAPL_PERF::CORES_ENERGY", "cpu"},
    {"energy-ram", "RAPL_PERF::DRAM_ENERGY", "dram"}, {"energy-gpu", "RAPL_PERF::GPU_ENERGY", "gpu"},
    {"energy-psys", "RAPL_PERF::PSYS_ENERGY", "psys"},
};

// "event=0x02" (possibly with more terms: "event=0x02,umask=0x0") -> 0x02.
bool parse_event_config(const std::string& text, std::uint64_t& config) {
    const auto at = text.find("event=");
    if (at == std::string::npos) return false;
    char* end = nullptr;
    config = std::strtoull(text.c_str() + at + 6, &end, 0);
    return end != text.c_str() + at + 6;
}

}  // namespace

std::vector<int> parse_cpu_list(const std::string& text) {
    std::vector<int> cpus;
    std::size_t pos = 0;
    while (pos < text.size()) {
        auto comma = text.find(',', pos);
        if (comma == std::string::npos) comma = text.size();
        const std::string part = text.substr(pos, comma - pos);
        pos = comma + 1;
        if (part.empty()) continue;
        const auto dash = part.find('-');
        const int first = std::atoi(part.c_str());
        const int last = dash == std::string::npos ? first : std::atoi(part.c_str() + dash + 1);
        for (int c = first; c <= last; ++c) cpus.push_back(c);
    }
    return cpus;
}

PerfPowerPmu discover_perf_power_pmu(const std::filesystem::path& sysfs_root) {
    const auto root = sysfs_root / "bus/event_source/devices/power";
    PerfPowerPmu pmu;
    double type = 0;
    if (!detail::read_number(root / "type", type))
        throw Error("no RAPL perf_event PMU (" + (root / "type").string() +
                    " missing): kernel older than 3.14, a CPU without RAPL, or a virtual machine");
    pmu.type = static_cast<std::uint32_t>(type);
    std::string mask;
    pmu.cpus = detail::read_trimmed(root / "cpumask", mask) ? parse_cpu_list(mask) : std::vector<int>{0};
    if (pmu.cpus.empty()) pmu.cpus.push_back(0);
    for (const auto& spec : k_events) {
        std::string text;
        if (!detail::read_trimmed(root / "events" / spec.event, text)) continue;
        PerfPowerEvent ev;
        ev.event = spec.event;
        if (!parse_event_config(text, ev.config))
            throw Error((root / "events" / spec.event).string() + ": expected 'event=0x..', found '" + text + "'");
        if (!detail::read_number(root / "events" / (std::string(spec.event) + ".scale"), ev.scale_j) || ev.scale_j <= 0)
            throw Error((root / "events" / (std::string(spec.event) + ".scale")).string() +
                        " is missing or not a positive number");
        std::string unit;
        if (detail::read_trimmed(root / "events" / (std::string(spec.event) + ".unit"), unit) && unit != "Joules")
            throw Error((root / "events" / (std::string(spec.event) + ".unit")).string() + " says '" + unit +
                        "', expected Joules");
        pmu.events.push_back(ev);
    }
    if (pmu.events.empty()) throw Error("the RAPL perf_event PMU under " + root.string() + " lists no energy-* event");
    return pmu;
}

RaplPerfSensor::RaplPerfSensor(const ProbeContext& context, std::shared_ptr<PerfEventApi> api) : m_api(std::move(api)) {
    const PerfPowerPmu pmu = discover_perf_power_pmu(context.sysfs_root);
    bool psys = false;
    for (const auto& ev : pmu.events) psys = psys || ev.event == "energy-psys";
    for (const auto& ev : pmu.events) {
        const EventSpec* spec = nullptr;
        for (const auto& s : k_events)
            if (ev.event == s.event) spec = &s;
        for (std::size_t package = 0; package < pmu.cpus.size(); ++package) {
            const int fd = m_api->open(pmu.type, ev.config, pmu.cpus[package]);
            if (fd < 0) {
                const int err = -fd;
                // The events that exist but are not counted on this part answer ENOENT/EINVAL: skip them.
                if (err == ENOENT || err == EINVAL || err == EOPNOTSUPP) continue;
                for (auto& c : m_counters) m_api->close(c.fd);
                m_counters.clear();
                std::string message = "perf_event_open(" + ev.event + ", cpu " + std::to_string(pmu.cpus[package]) +
                                      ") failed: " + std::strerror(err);
                if (err == EACCES || err == EPERM) {
                    std::string paranoid = "unknown";
                    detail::read_trimmed(context.procfs_root / "sys/kernel/perf_event_paranoid", paranoid);
                    message += " (perf_event_paranoid is " + paranoid + "; system-wide counters need <= 0 or CAP_PERFMON)";
                }
                throw Error(message);
            }
            Counter c;
            c.fd = fd;
            c.scale_j = ev.scale_j;
            c.info.name = spec->signal;
            c.info.domain_idx = static_cast<int>(package);
            c.info.domain = ev.event.substr(7) + "-" + std::to_string(package);
            c.info.unit = record::Unit::joule;
            c.info.kind = SignalKind::counter;
            c.info.wrap_at = 18446744073709551616.0 * ev.scale_j;
            c.info.resolution = ev.scale_j;
            c.info.component = record::component_from_string(spec->component).value_or(record::Component::other);
            if (ev.event == "energy-cores" || ev.event == "energy-gpu") c.info.contained_in = "RAPL_PERF::PKG_ENERGY";
            if (ev.event == "energy-pkg" && psys) c.info.contained_in = "RAPL_PERF::PSYS_ENERGY";
            c.info.description = "perf_event power/" + ev.event + "/ on CPU " + std::to_string(pmu.cpus[package]);
            m_counters.push_back(std::move(c));
        }
    }
    if (m_counters.empty()) throw Error("no RAPL perf_event counter could be opened");
}

RaplPerfSensor::~RaplPerfSensor() {
    for (auto& c : m_counters) m_api->close(c.fd);
}

std::vector<SignalInfo> RaplPerfSensor::signals() const {
    std::vector<SignalInfo> out;
    for (const auto& c : m_counters) out.push_back(c.info);
    return out;
}

int RaplPerfSensor::push_signal(std::string_view signal, int domain_idx) {
    for (std::size_t i = 0; i < m_counters.size(); ++i) {
        if (m_counters[i].info.name == signal && m_counters[i].info.domain_idx == domain_idx) {
            m_pushed.push_back(i);
            m_values.push_back(k_nan);
            return static_cast<int>(m_pushed.size() - 1);
        }
    }
    throw Error("rapl_perf: no signal " + std::string(signal) + " with domain " + std::to_string(domain_idx));
}

void RaplPerfSensor::read_batch() {
    for (std::size_t h = 0; h < m_pushed.size(); ++h) {
        const Counter& c = m_counters[m_pushed[h]];
        std::uint64_t raw = 0;
        m_values[h] = m_api->read(c.fd, raw) ? static_cast<double>(raw) * c.scale_j : k_nan;
    }
}

double RaplPerfSensor::sample(int handle) const {
    if (handle < 0 || static_cast<std::size_t>(handle) >= m_values.size()) return k_nan;
    return m_values[static_cast<std::size_t>(handle)];
}

Probe probe_rapl_perf(const ProbeContext& context, std::shared_ptr<PerfEventApi> api) {
    Probe probe;
    probe.source = "rapl_perf";
    try {
        auto sensor = std::make_unique<RaplPerfSensor>(context, std::move(api));
        for (const auto& s : sensor->signals()) probe.detail += (probe.detail.empty() ? "" : ", ") + s.domain;
        probe.sensor = std::move(sensor);
    } catch (const Error& e) {
        probe.reason = e.what();
        const std::string r = probe.reason;
        if (r.find("perf_event_paranoid") != std::string::npos)
            probe.remedy = "as root: sysctl kernel.perf_event_paranoid=0, or grant CAP_PERFMON "
                           "(setcap cap_perfmon=ep $(command -v powerml))";
        else if (r.find("kernel older") != std::string::npos)
            probe.remedy = "use the powercap RAPL source, or a kernel 3.14 or newer on a CPU with RAPL";
        else
            probe.remedy = "check the files named above; the powercap RAPL source may still work";
    }
    return probe;
}

}  // namespace powerml::sensors
