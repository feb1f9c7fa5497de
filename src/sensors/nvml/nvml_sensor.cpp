#include "powerml/sensors/nvml_sensor.hpp"

#include <chrono>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <limits>

#include "powerml/core/error.hpp"
#include "powerml/sensors/rapl_msr_sensor.hpp"  // devfs_root

namespace powerml::sensors {

namespace {

constexpr double k_nan = std::numeric_limits<double>::quiet_NaN();
// The counter is an unsigned 64-bit count of mJ: it restarts after 2^64 mJ.
constexpr double k_energy_wrap_j = 18446744073709551616.0 * 1e-3;

struct QuantitySpec {
    NvmlSensor::Quantity quantity;
    const char* signal;
    record::Unit unit;
    record::Component component;
    double resolution;
    const char* description;
};

// seed 003's GPU indicators (Table 1: power draw, load, memory load, memory allocated, core
// temperature, SM/memory/graphics clocks, performance state, PCIe link generation) plus the
// energy counter and the enforced power limit.
constexpr QuantitySpec k_specs[] = {
    {NvmlSensor::Quantity::energy, "NVML::GPU_ENERGY", record::Unit::joule, record::Component::gpu, 1e-3,
     "total energy since the driver loaded (nvmlDeviceGetTotalEnergyConsumption); updates every 20-100 ms"},
    {NvmlSensor::Quantity::power, "NVML::GPU_POWER", record::Unit::watt, record::Component::gpu, 1e-3, ""},
    {NvmlSensor::Quantity::gpu_util, "NVML::GPU_UTIL", record::Unit::ratio, record::Component::none, 0.01, "share of time a kernel was running"},
    {NvmlSensor::Quantity::memory_util, "NVML::GPU_MEMORY_UTIL", record::Unit::ratio, record::Component::none, 0.01,
     "share of time device memory was read or written"},
    {NvmlSensor::Quantity::memory_used, "NVML::GPU_MEMORY_USED", record::Unit::byte, record::Component::none, 1.0, "device memory allocated"},
    {NvmlSensor::Quantity::temperature, "NVML::GPU_TEMPERATURE", record::Unit::celsius, record::Component::none, 1.0, "GPU core temperature"},
    {NvmlSensor::Quantity::sm_clock, "NVML::GPU_SM_CLOCK", record::Unit::hertz, record::Component::none, 1e6, "SM clock"},
    {NvmlSensor::Quantity::memory_clock, "NVML::GPU_MEMORY_CLOCK", record::Unit::hertz, record::Component::none, 1e6, "memory clock"},
    {NvmlSensor::Quantity::graphics_clock, "NVML::GPU_GRAPHICS_CLOCK", record::Unit::hertz, record::Component::none, 1e6, "graphics clock"},
    {NvmlSensor::Quantity::pstate, "NVML::GPU_PSTATE", record::Unit::count, record::Component::none, 1.0, "performance state (0 fastest, 15 slowest)"},
    {NvmlSensor::Quantity::pcie_generation, "NVML::GPU_PCIE_GEN", record::Unit::count, record::Component::none, 1.0, "current PCIe link generation"},
    // A limit, not a reading: no component, so nothing integrates it as consumption.
    {NvmlSensor::Quantity::power_limit, "NVML::GPU_POWER_LIMIT", record::Unit::watt, record::Component::none, 1e-3, "enforced power limit (a setting)"},
};

std::optional<std::string> env(const char* name) {
    const char* value = std::getenv(name);
    if (!value) return std::nullopt;
    return std::string(value);
}

// Finds the GPU whose UUID starts with `prefix` (CUDA accepts unique prefixes).
unsigned index_by_uuid_prefix(const NvmlLibrary& lib, unsigned count, const std::string& prefix) {
    std::optional<unsigned> found;
    for (unsigned i = 0; i < count; ++i) {
        nvml::Device d = nullptr;
        std::string uuid;
        if (lib.handle_by_index(i, d) != nvml::k_success || lib.uuid(d, uuid) != nvml::k_success) continue;
        if (uuid.rfind(prefix, 0) == 0) {
            if (found) throw Error("GPU UUID prefix '" + prefix + "' matches more than one GPU; give more of it");
            found = i;
        }
    }
    if (!found) throw Error("no GPU has UUID '" + prefix + "'; run 'nvidia-smi -L' to list them");
    return *found;
}

}  // namespace

NvmlOptions NvmlOptions::from_env() {
    NvmlOptions options;
    if (auto path = env("POWERML_NVML_LIBRARY"); path && !path->empty()) options.library_path = *path;
    if (auto gpus = env("POWERML_GPUS"); gpus && !gpus->empty()) options.gpus = *gpus;
    options.cuda_visible_devices = env("CUDA_VISIBLE_DEVICES");
    return options;
}

std::unique_ptr<NvmlSensor> NvmlSensor::open(const std::string& library_path, const GpuSelection& selection) {
    std::string error;
    auto lib = NvmlLibrary::load(library_path, error);
    if (!lib) throw Error(error);
    unsigned count = 0;
    if (const auto rc = lib->device_count(count); rc != nvml::k_success)
        throw Error("nvmlDeviceGetCount failed: " + lib->error_string(rc));

    // (index, selected through a MIG UUID)
    std::vector<std::pair<unsigned, bool>> wanted;
    if (selection.is_all()) {
        for (unsigned i = 0; i < count; ++i) wanted.emplace_back(i, false);
    }
    for (const auto& entry : selection.entries()) {
        if (entry.index) {
            if (*entry.index >= count)
                throw Error(selection.origin() + " names GPU " + std::to_string(*entry.index) + " but NVML sees " +
                            std::to_string(count) + " GPU(s)");
            wanted.emplace_back(*entry.index, false);
        } else if (entry.uuid.rfind("MIG-", 0) == 0) {
            // A MIG slice has no power reading of its own: charge the whole GPU, flagged.
            nvml::Device mig = nullptr, parent = nullptr;
            unsigned parent_index = 0;
            if (lib->handle_by_uuid(entry.uuid, mig) != nvml::k_success ||
                lib->parent_of_mig(mig, parent) != nvml::k_success ||
                lib->index(parent, parent_index) != nvml::k_success)
                throw Error(selection.origin() + ": cannot find the GPU holding MIG instance " + entry.uuid);
            wanted.emplace_back(parent_index, true);
        } else {
            wanted.emplace_back(index_by_uuid_prefix(*lib, count, entry.uuid), false);
        }
    }

    std::vector<NvmlGpu> gpus;
    for (const auto& [index, via_mig] : wanted) {
        bool seen = false;
        for (auto& g : gpus) seen = seen || g.index == index;
        if (seen) continue;
        NvmlGpu gpu;
        gpu.index = index;
        if (const auto rc = lib->handle_by_index(index, gpu.device); rc != nvml::k_success)
            throw Error("GPU " + std::to_string(index) + ": " + lib->error_string(rc));
        lib->name(gpu.device, gpu.name);
        lib->uuid(gpu.device, gpu.uuid);
        unsigned current = 0, pending = 0;
        gpu.mig_enabled = via_mig || (lib->mig_mode(gpu.device, current, pending) == nvml::k_success && current == 1);
        unsigned long long energy_mj = 0;
        const auto energy_rc = lib->total_energy_mj(gpu.device, energy_mj);
        gpu.energy_counter = energy_rc == nvml::k_success;
        if (!gpu.energy_counter)
            gpu.energy_counter_note = "no energy counter (" + lib->error_string(energy_rc) +
                                      "; needs Volta or newer): energy is integrated from power";
        double instant_mw = 0;
        gpu.instant_power = lib->power_instant_mw(gpu.device, instant_mw) == nvml::k_success;
        gpus.push_back(std::move(gpu));
    }
    if (gpus.empty())
        throw Error(selection.origin() + " selects no GPU" +
                    (selection.origin() == "CUDA_VISIBLE_DEVICES" ? " (it is empty or starts with an invalid entry)" : ""));
    return std::make_unique<NvmlSensor>(std::move(lib), std::move(gpus));
}

NvmlSensor::NvmlSensor(std::shared_ptr<NvmlLibrary> library, std::vector<NvmlGpu> gpus)
    : m_library(std::move(library)), m_gpus(std::move(gpus)) {
    for (const auto& gpu : m_gpus) {
        for (const auto& spec : k_specs) {
            if (spec.quantity == Quantity::energy && !gpu.energy_counter) continue;
            // Listed only when this GPU answers for it now; absent beats a column of NaN.
            if (spec.quantity != Quantity::energy && std::isnan(read(gpu, spec.quantity))) continue;
            SignalInfo info;
            info.name = spec.signal;
            info.domain_idx = static_cast<int>(gpu.index);
            info.domain = "gpu-" + std::to_string(gpu.index);
            info.unit = spec.unit;
            info.kind = spec.quantity == Quantity::energy ? SignalKind::counter : SignalKind::gauge;
            info.wrap_at = spec.quantity == Quantity::energy ? k_energy_wrap_j : 0.0;
            info.resolution = spec.resolution;
            info.component = spec.component;
            info.description = spec.description;
            if (spec.quantity == Quantity::power) {
                info.description = gpu.instant_power
                                       ? "instantaneous power (NVML_FI_DEV_POWER_INSTANT)"
                                       : "averaged power (nvmlDeviceGetPowerUsage: a 1 s average on Ampere and newer "
                                         "except GA100, instantaneous before)";
                if (gpu.energy_counter) info.contained_in = "NVML::GPU_ENERGY";
            }
            if (gpu.mig_enabled && info.component != record::Component::none)
                info.description += "; MIG enabled: whole-GPU reading, not the job's slice";
            m_signals.push_back(std::move(info));
            m_signal_quantity.push_back(spec.quantity);
        }
    }
}

std::vector<SignalInfo> NvmlSensor::signals() const { return m_signals; }

int NvmlSensor::push_signal(std::string_view signal, int domain_idx) {
    for (std::size_t i = 0; i < m_signals.size(); ++i) {
        if (m_signals[i].name != signal || m_signals[i].domain_idx != domain_idx) continue;
        for (std::size_t g = 0; g < m_gpus.size(); ++g) {
            if (static_cast<int>(m_gpus[g].index) != domain_idx) continue;
            m_pushed.push_back(Pushed{g, m_signal_quantity[i], k_nan});
            return static_cast<int>(m_pushed.size() - 1);
        }
    }
    throw Error("nvml: no signal " + std::string(signal) + " on gpu-" + std::to_string(domain_idx) +
                "; 'powerml sensors' lists what this machine offers");
}

void NvmlSensor::read_pushed(bool all) {
    const double now = std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
    const bool slow = all || now - m_slow_read_at_s >= k_slow_period_s;
    for (auto& p : m_pushed)
        if (slow || p.quantity == Quantity::energy || p.quantity == Quantity::power) p.value = read(m_gpus[p.gpu], p.quantity);
    if (slow) m_slow_read_at_s = now;
}

void NvmlSensor::read_batch() { read_pushed(false); }
void NvmlSensor::read_batch_full() { read_pushed(true); }

double NvmlSensor::sample(int handle) const {
    if (handle < 0 || static_cast<std::size_t>(handle) >= m_pushed.size()) return k_nan;
    return m_pushed[static_cast<std::size_t>(handle)].value;
}

double NvmlSensor::read(const NvmlGpu& gpu, Quantity quantity) const {
    const NvmlLibrary& lib = *m_library;
    const nvml::Device d = gpu.device;
    unsigned u = 0;
    switch (quantity) {
        case Quantity::energy: {
            unsigned long long mj = 0;
            return lib.total_energy_mj(d, mj) == nvml::k_success ? static_cast<double>(mj) * 1e-3 : k_nan;
        }
        case Quantity::power: {
            if (gpu.instant_power) {
                double mw = 0;
                return lib.power_instant_mw(d, mw) == nvml::k_success ? mw * 1e-3 : k_nan;
            }
            return lib.power_usage_mw(d, u) == nvml::k_success ? u * 1e-3 : k_nan;
        }
        case Quantity::gpu_util:
        case Quantity::memory_util: {
            nvml::Utilization util{};
            if (lib.utilization(d, util) != nvml::k_success) return k_nan;
            return (quantity == Quantity::gpu_util ? util.gpu : util.memory) / 100.0;
        }
        case Quantity::memory_used: {
            nvml::Memory mem{};
            return lib.memory(d, mem) == nvml::k_success ? static_cast<double>(mem.used) : k_nan;
        }
        case Quantity::temperature:
            return lib.temperature_c(d, u) == nvml::k_success ? static_cast<double>(u) : k_nan;
        case Quantity::sm_clock:
            return lib.clock_mhz(d, 1, u) == nvml::k_success ? u * 1e6 : k_nan;
        case Quantity::memory_clock:
            return lib.clock_mhz(d, 2, u) == nvml::k_success ? u * 1e6 : k_nan;
        case Quantity::graphics_clock:
            return lib.clock_mhz(d, 0, u) == nvml::k_success ? u * 1e6 : k_nan;
        case Quantity::pstate: {
            int p = 0;
            // 32 is NVML_PSTATE_UNKNOWN: not a state.
            return lib.performance_state(d, p) == nvml::k_success && p >= 0 && p < 32 ? static_cast<double>(p) : k_nan;
        }
        case Quantity::pcie_generation:
            return lib.pcie_generation(d, u) == nvml::k_success ? static_cast<double>(u) : k_nan;
        case Quantity::power_limit:
            return lib.power_limit_mw(d, u) == nvml::k_success ? u * 1e-3 : k_nan;
    }
    return k_nan;
}

std::string NvmlSensor::describe() const {
    std::string text;
    for (const auto& gpu : m_gpus) {
        if (!text.empty()) text += "; ";
        text += "gpu-" + std::to_string(gpu.index) + " " + gpu.name + " (" + gpu.uuid + "): ";
        text += gpu.energy_counter ? "energy counter" : gpu.energy_counter_note;
        text += gpu.instant_power ? ", instant power" : ", averaged power";
        if (gpu.mig_enabled) text += ", MIG enabled (whole-GPU readings)";
    }
    return text;
}

namespace {

// NVML works only with NVIDIA's kernel driver loaded: /proc/driver/nvidia on Linux,
// /dev/nvidiactl in a container given GPUs, /dev/dxg under WSL 2.
bool nvidia_driver_present(const std::filesystem::path& procfs_root) {
    std::error_code ec;
    return std::filesystem::exists(procfs_root / "driver" / "nvidia", ec) ||
           std::filesystem::exists(devfs_root() / "nvidiactl", ec) || std::filesystem::exists(devfs_root() / "dxg", ec);
}

}  // namespace

Probe probe_nvml(const ProbeContext& context, const NvmlOptions& options) {
    Probe probe;
    probe.source = "nvml";
    // Without a driver the default library is not searched for (a dlopen through the whole
    // library path at every start, for nothing); a library named by POWERML_NVML_LIBRARY is
    // always tried.
    if (options.library_path == NvmlOptions{}.library_path && !nvidia_driver_present(context.procfs_root)) {
        probe.reason = "no NVIDIA driver is loaded (no " + (context.procfs_root / "driver" / "nvidia").string() + ", " +
                       (devfs_root() / "nvidiactl").string() + " or " + (devfs_root() / "dxg").string() + ")";
        probe.remedy = "install the NVIDIA driver (it provides libnvidia-ml.so.1), or point POWERML_NVML_LIBRARY at it";
        return probe;
    }
    try {
        const auto selection = GpuSelection::choose(options.gpus, options.cuda_visible_devices);
        auto sensor = NvmlSensor::open(options.library_path, selection);
        probe.detail = sensor->describe();
        probe.sensor = std::move(sensor);
    } catch (const Error& e) {
        probe.reason = e.what();
        const std::string reason = probe.reason;
        if (reason.rfind("cannot load", 0) == 0)
            probe.remedy = "install the NVIDIA driver (it provides libnvidia-ml.so.1), or point POWERML_NVML_LIBRARY at it";
        else if (reason.find("nvmlInit") != std::string::npos)
            probe.remedy = "check that the NVIDIA kernel module is loaded and that 'nvidia-smi' works for this user";
        else
            probe.remedy = "check --gpus / CUDA_VISIBLE_DEVICES against 'nvidia-smi -L'";
    }
    return probe;
}

}  // namespace powerml::sensors
