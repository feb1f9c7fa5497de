#include "powerml/sensors/builtin.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "powerml/core/error.hpp"
#include "powerml/core/paths.hpp"
#include "powerml/core/config.hpp"
#include "powerml/sensors/machine_detect.hpp"
#include "powerml/sensors/model_sensor.hpp"
#include "powerml/sensors/procfs_sensor.hpp"
#include "powerml/sensors/rapl_powercap_sensor.hpp"

// Hardware power sources (nvml, rapl_perf, rapl_msr, hwmon, jetson, meter).
#include <chrono>
#include <thread>

#include "powerml/sensors/hwmon_sensor.hpp"
#include "powerml/sensors/jetson_rail_sensor.hpp"
#include "powerml/sensors/nvml_sensor.hpp"
#include "powerml/sensors/rapl_choice.hpp"
#include "powerml/sensors/rapl_msr_sensor.hpp"
#include "powerml/sensors/rapl_perf_sensor.hpp"
#include "powerml/sensors/rapl_daemon_sensor.hpp"
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
    ProbeContext context{paths::sysfs_root(), paths::procfs_root(), paths::data_dir()};
    context.cgroup_root = paths::cgroup_root();
    return context;
}

namespace {

Probe probe_procfs(const ProbeContext& context, const std::shared_ptr<ProcStat>& stat) {
    Probe probe{"procfs", nullptr, {}, {}, {}};
    try {
        auto sensor = std::make_unique<ProcfsSensor>(context.procfs_root, context.sysfs_root, stat);
        probe.detail = fmt::format("{} CPUs, memory, disks, network, process tree", sensor->core_count());
        probe.sensor = std::move(sensor);
    } catch (const Error& e) {
        probe.reason = e.what();
        probe.remedy = "PowerML needs Linux procfs; check POWERML_PROCFS_ROOT";
    }
    // A --cgroup that is not a cgroup is the user's error, said as such (not a missing sensor).
    if (auto* procfs = dynamic_cast<ProcfsSensor*>(probe.sensor.get())) {
        procfs->use_job_cgroup(context.cgroup_root, context.job_cgroup);
        if (!procfs->job_cgroup().empty()) probe.detail += ", cgroup " + procfs->job_cgroup().string();
    }
    return probe;
}

Probe probe_rapl_powercap(const ProbeContext& context) {
    Probe probe{"rapl", nullptr, {}, {}, {}};
    auto sensor = std::make_unique<RaplPowercapSensor>(context.sysfs_root);
    if (sensor->zones().empty()) {
        probe.reason = "no RAPL zones under " + (context.sysfs_root / "class/powercap").string() +
                       " (virtual machine, non-x86 CPU, or the intel_rapl_common module is not loaded)";
        probe.remedy = "on bare-metal Intel or AMD Zen: 'sudo modprobe intel_rapl_msr'; in a VM the power "
                       "model is used instead";
        return probe;
    }
    std::string zones;
    for (const auto& z : sensor->zones()) zones += (zones.empty() ? "" : ", ") + z.domain;
    probe.detail = "zones: " + zones;
    if (!sensor->any_readable()) {
        probe.reason = "cannot read " + sensor->access_problem();
        probe.remedy = RaplPowercapSensor::access_remedy();
        return probe;
    }
    if (const std::string partial = sensor->access_problem(); !partial.empty())
        probe.detail += " (some unreadable: " + partial + ")";
    probe.sensor = std::move(sensor);
    return probe;
}

Probe probe_model(const ProbeContext& context, const std::shared_ptr<ProcStat>& stat) {
    Probe probe{"model", nullptr, {}, {}, {}};
    // A configuration that cannot be read is the user's error to fix, not a reason to measure
    // without the model (which left only sensors that may cover nothing: "0 J", exit 0).
    const power_models::Pins pins = power_models::pins_from_config(Config::load_user());
    try {
        ModelSetup setup;
        setup.sysfs_root = context.sysfs_root;
        setup.user_models_dir = power_models::Catalog::default_user_dir();
        setup.pins = pins;
        setup.dmidecode_text = read_dmidecode_memory();
        auto sensor = std::make_unique<ModelSensor>(context.procfs_root, context.data_dir, stat, setup);
        probe.detail = sensor->cpu_explanation();
        probe.sensor = std::move(sensor);
    } catch (const std::exception& e) {
        probe.reason = e.what();
        probe.remedy = "check the power model files named above ('powerml models validate FILE'), the power_models.* "
                       "configuration, and that PowerML's data folder (POWERML_DATA_DIR) has power-models/";
    }
    return probe;
}

}  // namespace

std::vector<Probe> probe_all(const ProbeContext& context) {
    std::vector<Probe> probes;
    auto stat = std::make_shared<ProcStat>(context.procfs_root);  // one read of /proc/stat per sample
    probes.push_back(probe_procfs(context, stat));
    probes.push_back(probe_rapl_powercap(context));
    append_hardware_probes(probes, context);
    probes.push_back(probe_rapl_daemon(probes, RaplDaemonOptions::from_env()));  // RAPL not readable directly
    probes.push_back(probe_model(context, stat));
    return probes;
}

std::vector<std::unique_ptr<Sensor>> select_for_measurement(std::vector<Probe>& probes, std::vector<std::string>& notes) {
    choose_rapl_source(probes, notes, [] { std::this_thread::sleep_for(k_rapl_check_window); });
    std::vector<std::unique_ptr<Sensor>> chosen;
    std::set<std::string> measured_components;
    ModelSensor* model = nullptr;
    std::unique_ptr<Sensor> model_owner;
    for (auto& probe : probes) {
        if (!probe.sensor) continue;
        if (probe.source == "model") {
            model = static_cast<ModelSensor*>(probe.sensor.get());
            model_owner = std::move(probe.sensor);
            continue;
        }
        for (const auto& s : probe.sensor->signals()) {
            if (s.provenance == Provenance::hardware && (is_energy_counter(s) || is_power_gauge(s)) && s.component != record::Component::none) {
                measured_components.insert(std::string(record::to_string(s.component)));
                // A platform (psys) counter covers the CPU and DRAM too.
                if (s.component == record::Component::psys) measured_components.insert({"cpu", "dram"});
                // A summed whole-board reading (Jetson VDD_IN) covers CPU, DRAM and GPU: no model on top.
                if (s.component == record::Component::node && s.contained_in.empty()) measured_components.insert({"cpu", "dram", "gpu"});
            }
        }
        chosen.push_back(std::move(probe.sensor));
    }
    if (model) {
        const bool model_cpu = !measured_components.count("cpu");
        const bool model_dram = !measured_components.count("dram");
        model->set_modelled(model_cpu, model_dram);
        if (model_cpu) notes.push_back("CPU power model: " + model->cpu_explanation());
        if (model_cpu || model_dram) chosen.push_back(std::move(model_owner));
    }
    std::string unavailable;
    for (const auto& probe : probes) {
        if (probe.source != "model" && !probe.reason.empty() && probe.source != "procfs" &&
            probe.reason.rfind("not used:", 0) != 0)
            unavailable += (unavailable.empty() ? "" : ", ") + probe.source;
    }
    if (!unavailable.empty())
        notes.push_back("not available on this machine: " + unavailable + " ('powerml sensors' says why and how to enable each)");
    return chosen;
}

}  // namespace powerml::sensors
