#pragma once
// Power from utilisation for machines without power sensors (most VMs and cloud instances,
// this CI machine). Every value it gives is a model, labelled with the model's id and its
// stated uncertainty, never passed off as a measurement.
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include <memory>

#include "powerml/sensors/proc_stat.hpp"
#include "powerml/sensors/sensor.hpp"

namespace powerml::sensors {

// What /proc/cpuinfo and /proc/meminfo say about the machine.
struct MachineInfo {
    std::string cpu_model;  // "Intel(R) Core(TM) i7-8700K CPU @ 3.70GHz"
    int logical_cpus = 0;
    int sockets = 1;
    bool virtual_machine = false;  // the "hypervisor" CPU flag
    double memory_bytes = 0;
};
MachineInfo read_machine_info(const std::filesystem::path& procfs_root);

// A CPU power curve P(u) = idle_w + (max_w - idle_w) * u^exponent for utilisation u in [0, 1].
struct CpuPowerCurve {
    std::string model_id;     // "tdp-linear:Intel Core i7-8700K"
    std::string explanation;  // where the numbers come from
    double idle_w = 0, max_w = 0, exponent = 1.0;
    double relative_uncertainty = 0.3;
    double watts(double utilisation) const;
};

// Picks the curve for a machine from the shipped tables (data/hardware/): per-vCPU cloud
// coefficients for a VM, the CPU's TDP for bare metal, an explicit named default otherwise.
CpuPowerCurve choose_cpu_curve(const MachineInfo& machine, const std::filesystem::path& data_dir);

// "Intel(R) Core(TM) i7-8700K CPU @ 3.70GHz" -> "Intel Core i7-8700K" (both sides of the TDP match).
std::string normalise_cpu_name(const std::string& name);

class ModelSensor final : public Sensor {
public:
    ModelSensor(std::filesystem::path procfs_root, const std::filesystem::path& data_dir,
                std::shared_ptr<ProcStat> stat = nullptr);

    std::string_view name() const noexcept override { return "model"; }
    std::vector<SignalInfo> signals() const override;
    int push_signal(std::string_view signal, int domain_idx) override;
    void read_batch() override;
    double sample(int handle) const override;

    const MachineInfo& machine() const { return m_machine; }
    const CpuPowerCurve& cpu_curve() const { return m_cpu; }
    double dram_watts() const { return m_dram_w; }
    // Components this sensor should model; the selection turns off those a hardware source covers.
    void set_modelled(bool cpu, bool dram) { m_model_cpu = cpu; m_model_dram = dram; }

    static constexpr double k_dram_w_per_gb = 0.375;  // common fallback (FIELD-NOTES), ~3 W per 8 GB DIMM

private:
    std::filesystem::path m_proc;
    MachineInfo m_machine;
    CpuPowerCurve m_cpu;
    double m_dram_w = 0;
    bool m_model_cpu = true, m_model_dram = true;
    std::shared_ptr<ProcStat> m_stat;
    std::vector<CpuTimes> m_prev_cpu;
    double m_cpu_w = NAN;
    std::vector<int> m_pushed;  // 0 = cpu, 1 = dram
};

}  // namespace powerml::sensors
