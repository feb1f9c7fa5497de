#pragma once
// `nvml`: NVIDIA GPUs through libnvidia-ml, loaded at run time. Per selected GPU it reports
// the driver's total-energy counter (NVML::GPU_ENERGY, J, preferred), power (NVML::GPU_POWER,
// instantaneous where the driver offers the field, else NVML's averaged reading; which one is
// in the signal's description and in NvmlGpu::instant_power), and seed 003's usage indicators.
// While the energy counter exists, GPU_POWER is marked contained_in NVML::GPU_ENERGY: a
// cross-check, never summed with the counter. MIG-enabled GPUs report whole-device readings.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "powerml/sensors/gpu_selection.hpp"
#include "powerml/sensors/nvml_library.hpp"
#include "powerml/sensors/sensor.hpp"

namespace powerml::sensors {

struct NvmlOptions {
    std::string library_path = "libnvidia-ml.so.1";
    std::optional<std::string> gpus;                  // the measure command's --gpus
    std::optional<std::string> cuda_visible_devices;  // the job's CUDA_VISIBLE_DEVICES
    // POWERML_NVML_LIBRARY, POWERML_GPUS (same syntax as --gpus), CUDA_VISIBLE_DEVICES.
    static NvmlOptions from_env();
};

struct NvmlGpu {
    unsigned index = 0;  // NVML index (PCI bus order)
    std::string name;
    std::string uuid;
    nvml::Device device = nullptr;
    bool mig_enabled = false;         // readings cover the whole GPU, not the job's slice
    bool energy_counter = false;      // nvmlDeviceGetTotalEnergyConsumption works
    bool instant_power = false;       // NVML_FI_DEV_POWER_INSTANT works
    std::string energy_counter_note;  // why there is no counter, when there is none
};

class NvmlSensor final : public Sensor {
public:
    enum class Quantity {
        energy, power, gpu_util, memory_util, memory_used, temperature,
        sm_clock, memory_clock, graphics_clock, pstate, pcie_generation, power_limit,
    };

    // Loads the library, resolves `selection` and checks which readings each GPU supports.
    // Throws Error with the reason (library missing, init failed, no GPU selected).
    static std::unique_ptr<NvmlSensor> open(const std::string& library_path, const GpuSelection& selection);

    NvmlSensor(std::shared_ptr<NvmlLibrary> library, std::vector<NvmlGpu> gpus);

    std::string_view name() const noexcept override { return "nvml"; }
    std::vector<SignalInfo> signals() const override;
    int push_signal(std::string_view signal, int domain_idx) override;
    // Energy and power at every call, the rate asked for; utilisation, memory, temperature,
    // clocks and settings at most every k_slow_period_s (the driver itself samples utilisation
    // every 1/6 s to 1 s, and each call is a round trip to the driver), holding their last value
    // in between. read_batch_full() reads everything.
    void read_batch() override;
    void read_batch_full() override;
    static constexpr double k_slow_period_s = 0.05;
    double sample(int handle) const override;

    const std::vector<NvmlGpu>& gpus() const { return m_gpus; }
    // One line per GPU: name, UUID, counter or not, power kind, MIG.
    std::string describe() const;
    // Reads one quantity now, in SI units; NaN when the driver does not answer.
    double read(const NvmlGpu& gpu, Quantity quantity) const;

private:
    struct Pushed {
        std::size_t gpu;
        Quantity quantity;
        double value;
    };
    std::vector<SignalInfo> signals_for(const NvmlGpu& gpu) const;

    std::shared_ptr<NvmlLibrary> m_library;
    std::vector<NvmlGpu> m_gpus;
    std::vector<SignalInfo> m_signals;
    std::vector<Quantity> m_signal_quantity;  // parallel to m_signals
    std::vector<Pushed> m_pushed;
    void read_pushed(bool all);
    double m_slow_read_at_s = -1e9;  // steady clock, when the slow quantities were last read
};

// usable with the selected GPUs, or the reason (library missing, no GPU, init failed).
Probe probe_nvml(const ProbeContext& context, const NvmlOptions& options);

}  // namespace powerml::sensors
