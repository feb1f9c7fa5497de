#pragma once
// Power from utilisation for machines without power sensors (most VMs and cloud instances,
// this CI machine), with the power models the catalog matches to this machine
// (power_models::Matcher: shipped catalog, the user's own fitted models, configuration pins).
// Every value it gives is a model, labelled with the model's id and its stated uncertainty,
// never passed off as a measurement.
#include <cmath>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "powerml/power_models/catalog.hpp"
#include "powerml/power_models/machine.hpp"
#include "powerml/power_models/matcher.hpp"
#include "powerml/sensors/proc_stat.hpp"
#include "powerml/sensors/sensor.hpp"

namespace powerml::sensors {

struct ModelSetup {
    std::filesystem::path sysfs_root = "/sys";
    std::filesystem::path user_models_dir;  // the user's models (empty: none)
    power_models::Pins pins;                // kind -> model id, from configuration
    std::string dmidecode_text;             // `dmidecode -t memory` output, empty when unreadable
};

// A matched model and what it comes to on this machine.
struct ModelledComponent {
    power_models::PowerModel model;
    double units = 1;         // sockets, vCPUs or devices the model's watts are multiplied by
    std::string explanation;  // which model, why it matched, and the formula
    double watts(double utilisation) const { return units * model.watts_at(utilisation); }
};

class ModelSensor final : public Sensor {
public:
    // Throws Error when the catalog cannot be read or a pinned model does not exist.
    ModelSensor(std::filesystem::path procfs_root, const std::filesystem::path& data_dir, std::shared_ptr<ProcStat> stat = nullptr,
                const ModelSetup& setup = {});

    std::string_view name() const noexcept override { return "model"; }
    std::vector<SignalInfo> signals() const override;
    int push_signal(std::string_view signal, int domain_idx) override;
    void read_batch() override;
    double sample(int handle) const override;
    // Power from utilisation means something only over a few clock ticks (UtilisationWindow).
    double min_read_period_s() const override { return UtilisationWindow::min_period_s(); }

    const power_models::Machine& machine() const { return m_machine; }
    const ModelledComponent& cpu() const { return m_cpu; }
    const ModelledComponent& dram() const { return m_dram; }
    const std::string& cpu_explanation() const { return m_cpu.explanation; }
    // Components this sensor should model; the selection turns off those a hardware source covers.
    void set_modelled(bool cpu, bool dram) { m_model_cpu = cpu; m_model_dram = dram; }

    // DRAM without a measured DIMM list: one DIMM per 8 GiB (the size the ~3 W figure is for).
    static constexpr double k_bytes_per_default_dimm = 8.0 * 1024 * 1024 * 1024;  // MemTotal is a little under what is installed

private:
    std::filesystem::path m_proc;
    power_models::Machine m_machine;
    ModelledComponent m_cpu, m_dram;
    double m_dram_static_w = NAN;  // dram form: does not depend on load
    bool m_model_cpu = true, m_model_dram = true;
    std::shared_ptr<ProcStat> m_stat;
    UtilisationWindow m_window;
    double m_cpu_w = NAN, m_dram_w = NAN;
    std::vector<int> m_pushed;  // 0 = cpu, 1 = dram
};

}  // namespace powerml::sensors
