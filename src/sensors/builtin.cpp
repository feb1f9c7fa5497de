#include "powerml/sensors/builtin.hpp"

#include "powerml/core/paths.hpp"

// Hardware power sources (nvml, rapl_perf, rapl_msr, hwmon, jetson, meter).
#include <chrono>
#include <thread>

#include "powerml/sensors/hwmon_sensor.hpp"
#include "powerml/sensors/jetson_rail_sensor.hpp"
#include "powerml/sensors/nvml_sensor.hpp"
#include "powerml/sensors/rapl_choice.hpp"
#include "powerml/sensors/rapl_msr_sensor.hpp"
#include "powerml/sensors/rapl_perf_sensor.hpp"
#include "powerml/sensors/smart_plug_sensor.hpp"

namespace powerml::sensors {

namespace {

// Hardware power sources, in listing order. POWERML_NVML_LIBRARY, POWERML_GPUS and
// CUDA_VISIBLE_DEVICES choose the GPUs; POWERML_DEVFS_ROOT replaces /dev for the MSRs;
// POWERML_METER_URL names a smart plug.
void append_hardware_probes(std::vector<Probe>& probes, const ProbeContext& context) {
    probes.push_back(probe_nvml(context, NvmlOptions::from_env()));
    probes.push_back(probe_rapl_perf(context, system_perf_event_api()));
    probes.push_back(probe_rapl_msr(context, msr_device_files(devfs_root())));
    probes.push_back(probe_hwmon(context));
    probes.push_back(probe_jetson(context));
    probes.push_back(probe_smart_plug(context, std::nullopt));
}

// RAPL read through two interfaces would count the CPU twice: keep one, compare the others
// over a short window (rapl_choice.hpp).
constexpr auto k_rapl_check_window = std::chrono::milliseconds(200);

}  // namespace

ProbeContext default_probe_context() {
    return ProbeContext{paths::sysfs_root(), paths::procfs_root(), paths::data_dir()};
}

std::vector<Probe> probe_all(const ProbeContext& context) {
    std::vector<Probe> probes;
    append_hardware_probes(probes, context);
    return probes;
}

std::vector<std::unique_ptr<Sensor>> select_for_measurement(std::vector<Probe>& probes,
                                                            std::vector<std::string>& notes) {
    choose_rapl_source(probes, notes, [] { std::this_thread::sleep_for(k_rapl_check_window); });
    std::vector<std::unique_ptr<Sensor>> chosen;
    for (auto& probe : probes)
        if (probe.sensor) chosen.push_back(std::move(probe.sensor));
    return chosen;
}

}  // namespace powerml::sensors
