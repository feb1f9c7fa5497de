#pragma once
// `rapl_perf`: RAPL through the kernel's perf_event "power" PMU
// (/sys/bus/event_source/devices/power/: `type`, `cpumask` (one CPU per package),
// events/energy-{pkg,cores,ram,gpu,psys} = "event=0x..", and their .scale in J per count).
// Needs perf_event_paranoid <= 0 or CAP_PERFMON (no root-only sysfs file). The kernel keeps a
// 64-bit count, so wrap_at = 2^64 x scale: in practice it never wraps.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "powerml/sensors/perf_event_api.hpp"
#include "powerml/sensors/sensor.hpp"

namespace powerml::sensors {

// One energy-* event as sysfs describes it.
struct PerfPowerEvent {
    std::string event;  // "energy-pkg"
    std::uint64_t config = 0;
    double scale_j = 0.0;  // J per count, from energy-*.scale
};

struct PerfPowerPmu {
    std::uint32_t type = 0;
    std::vector<int> cpus;  // from cpumask: one per package
    std::vector<PerfPowerEvent> events;
};

// Reads the PMU description under sysfs_root. Throws Error naming the missing or bad file.
PerfPowerPmu discover_perf_power_pmu(const std::filesystem::path& sysfs_root);
// "0,28" or "0-1,4" -> CPUs.
std::vector<int> parse_cpu_list(const std::string& text);

class RaplPerfSensor final : public Sensor {
public:
    // Opens every event on every package CPU. Throws Error with the reason (permission with
    // the current perf_event_paranoid value read from procfs_root).
    RaplPerfSensor(const ProbeContext& context, std::shared_ptr<PerfEventApi> api);
    ~RaplPerfSensor() override;
    RaplPerfSensor(const RaplPerfSensor&) = delete;
    RaplPerfSensor& operator=(const RaplPerfSensor&) = delete;

    std::string_view name() const noexcept override { return "rapl_perf"; }
    std::vector<SignalInfo> signals() const override;
    int push_signal(std::string_view signal, int domain_idx) override;
    void read_batch() override;
    double sample(int handle) const override;

private:
    struct Counter {
        SignalInfo info;
        int fd = -1;
        double scale_j = 0.0;
    };
    std::shared_ptr<PerfEventApi> m_api;
    std::vector<Counter> m_counters;
    std::vector<std::size_t> m_pushed;
    std::vector<double> m_values;
};

Probe probe_rapl_perf(const ProbeContext& context, std::shared_ptr<PerfEventApi> api);

}  // namespace powerml::sensors
