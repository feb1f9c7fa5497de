#include "powerml/sensors/model_sensor.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include <fmt/format.h>

#include "powerml/core/error.hpp"
#include "powerml/power_models/catalog_cache.hpp"
#include "powerml/sensors/machine_detect.hpp"

namespace powerml::sensors {

namespace {

using power_models::ComponentKind;
using power_models::Form;
using power_models::Scale;

double units_of(const power_models::PowerModel& model, const power_models::Machine& machine) {
    switch (model.scale) {
        case Scale::socket: return machine.sockets;
        case Scale::vcpu: return std::max(1, machine.logical_cpus);
        case Scale::device: return std::max<double>(1, static_cast<double>(machine.gpus.size()));
        case Scale::machine: break;
    }
    return 1;
}

ModelledComponent pick(const power_models::Matcher& matcher, const power_models::Machine& machine, ComponentKind kind,
                       const power_models::Pins& pins) {
    const auto match = matcher.best(machine, kind, pins);
    if (!match.model)
        throw Error(fmt::format("no {} power model matches this machine and the catalog has no fallback; "
                                "check PowerML's data folder (POWERML_DATA_DIR) has power-models/",
                                to_string(kind)));
    ModelledComponent c;
    c.model = *match.model;
    c.units = units_of(c.model, machine);
    c.explanation = fmt::format("{} ({}; score {}): {}{}; source: {}", c.model.id, match.reason, match.score, c.model.formula(),
                                c.units != 1 ? fmt::format(" x {}", c.units) : "", c.model.source);
    return c;
}

}  // namespace

ModelSensor::ModelSensor(std::filesystem::path procfs_root, const std::filesystem::path& data_dir, std::shared_ptr<ProcStat> stat,
                         const ModelSetup& setup)
    : m_proc(std::move(procfs_root)),
      m_machine(detect_machine(m_proc, setup.sysfs_root, setup.dmidecode_text)),
      m_stat(stat ? std::move(stat) : std::make_shared<ProcStat>(m_proc)) {
    // Every ModelSensor of the process (each Python Tracker) shares one load of the catalog.
    power_models::CatalogCache::Request request;
    request.shipped_dir = data_dir / "power-models";
    request.user_dir = setup.user_models_dir;
    request.kinds = {ComponentKind::cpu, ComponentKind::dram};
    request.machine = m_machine;
    for (const auto& [kind, id] : setup.pins) request.keep_ids.insert(id);
    const auto catalog = power_models::CatalogCache::process().get(request);
    const power_models::Matcher matcher(*catalog);
    m_cpu = pick(matcher, m_machine, ComponentKind::cpu, setup.pins);
    m_dram = pick(matcher, m_machine, ComponentKind::dram, setup.pins);
    if (m_dram.model.form == Form::dram) {
        // Seed 001: sum over DIMMs of 1/2 C V^2 f, with each DIMM's own V and f where dmidecode
        // gave them and the model's stated defaults otherwise.
        const auto& model = m_dram.model;
        std::string how;
        double watts = 0;
        if (model.dimms > 0) {
            watts = model.dimms * model.dimm_watts(model.voltage_v, model.frequency_hz);
            how = fmt::format("{} DIMMs (fixed by the model) at {} V, {} MT/s", model.dimms, model.voltage_v, model.frequency_hz / 1e6);
        } else if (!m_machine.dimms.empty()) {
            int measured = 0;
            for (const auto& d : m_machine.dimms) {
                const double v = d.voltage_v > 0 ? d.voltage_v : model.voltage_v;
                const double f = d.speed_mts > 0 ? d.speed_mts * 1e6 : model.frequency_hz;
                measured += (d.voltage_v > 0 && d.speed_mts > 0) ? 1 : 0;
                watts += model.dimm_watts(v, f);
            }
            how = fmt::format("{} DIMMs from dmidecode ({} with their own voltage and speed)", m_machine.dimms.size(), measured);
        } else {
            const double count = std::max(1.0, std::ceil(m_machine.memory_bytes / k_bytes_per_default_dimm));
            watts = count * model.dimm_watts(model.voltage_v, model.frequency_hz);
            how = fmt::format("dmidecode not readable: {:.1f} GiB as {} DIMMs of 8 GiB at the default {} V, {} MT/s",
                              m_machine.memory_bytes / k_bytes_per_default_dimm * 8, count, model.voltage_v, model.frequency_hz / 1e6);
        }
        m_dram_static_w = watts;
        m_dram.units = 1;
        m_dram.explanation += fmt::format("; {} = {:.2f} W", how, watts);
    }
}

std::vector<SignalInfo> ModelSensor::signals() const {
    std::vector<SignalInfo> list;
    auto add = [&](const char* name, const char* component, const ModelledComponent& c) {
        SignalInfo s;
        s.name = name;
        s.domain = component;
        s.unit = record::Unit::watt;
        s.kind = SignalKind::gauge;
        s.component = record::component_from_string(component).value_or(record::Component::other);
        s.provenance = Provenance::model;
        s.model_id = c.model.id;
        s.relative_uncertainty = c.model.relative_uncertainty;
        s.description = c.explanation;
        list.push_back(std::move(s));
    };
    if (m_model_cpu) add("MODEL::CPU_POWER", "cpu", m_cpu);
    if (m_model_dram) add("MODEL::DRAM_POWER", "dram", m_dram);
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
        m_dram_w = std::isnan(m_dram_static_w) ? NAN : m_dram_static_w;
        return;
    }
    // The first read has no interval yet: it gives the average since boot. Later ones: the
    // utilisation over the time since the previous read, or over a longer window ending now when
    // that is too short to hold a few clock ticks. The sampler charges this power to the time
    // since the previous read (EnergyKind::model), so the energy of reads that tile time adds up
    // whatever the sampling interval.
    const auto& utilisation = m_window.update(m_stat->times());
    m_cpu_w = m_cpu.watts(utilisation[0]);
    // Models of DRAM against load (the Teads instance table) follow the CPU's utilisation.
    m_dram_w = std::isnan(m_dram_static_w) ? m_dram.watts(utilisation[0]) : m_dram_static_w;
}

double ModelSensor::sample(int handle) const {
    if (handle < 0 || handle >= static_cast<int>(m_pushed.size())) return NAN;
    return m_pushed[static_cast<std::size_t>(handle)] == 0 ? m_cpu_w : m_dram_w;
}

}  // namespace powerml::sensors
