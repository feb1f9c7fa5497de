#pragma once
// NVIDIA's management library, loaded with dlopen at run time so that PowerML builds and runs
// on machines without a driver. Only the handful of entry points PowerML reads are resolved;
// each call returns NVML's own status code (0 = success) so callers can tell "not supported"
// (3) from "GPU lost" (15). The types mirror the public nvml.h ABI.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace powerml::sensors {

namespace nvml {
using Return = int;
using Device = void*;  // nvmlDevice_t: an opaque pointer owned by the driver
inline constexpr Return k_success = 0;
inline constexpr Return k_not_supported = 3;
inline constexpr Return k_no_permission = 4;
inline constexpr Return k_gpu_is_lost = 15;
// nvml.h: NVML_FI_DEV_POWER_INSTANT, instantaneous power in mW (drivers from 2023 on).
inline constexpr unsigned k_field_power_instant = 186;

struct Utilization {
    unsigned gpu;     // percent of time a kernel ran over the driver's sample period
    unsigned memory;  // percent of time device memory was read or written
};
struct Memory {
    unsigned long long total, free, used;  // bytes
};
union Value {
    double d;
    unsigned ui;
    unsigned long ul;
    unsigned long long ull;
    long long sll;
    int si;
    unsigned short us;
};
// nvmlFieldValue_t: 4 + 4 + 8 + 8 + 4 + 4 + 8 bytes.
struct FieldValue {
    unsigned field_id;
    unsigned scope_id;
    long long timestamp_us;
    long long latency_us;
    int value_type;  // 0 double, 1 uint, 2 ulong, 3 ull, 4 sll, 5 int, 6 ushort
    Return status;
    Value value;
};
static_assert(sizeof(FieldValue) == 40, "nvmlFieldValue_t layout");
}  // namespace nvml

class NvmlLibrary {
public:
    // Loads `path` (a file name searched by the dynamic loader, or a path) and calls
    // nvmlInit_v2. Returns null and fills `error` with what failed (dlopen text, a missing
    // symbol, or nvmlInit's status and message). A path dlopen could not load fails again at
    // once, with the same error, while the file (for a bare name: /etc/ld.so.cache) is unchanged.
    static std::shared_ptr<NvmlLibrary> load(const std::string& path, std::string& error);
    // How many times load has called dlopen in this process (tests).
    static std::size_t dlopen_calls();
    ~NvmlLibrary();  // nvmlShutdown, then dlclose
    NvmlLibrary(const NvmlLibrary&) = delete;
    NvmlLibrary& operator=(const NvmlLibrary&) = delete;

    // The library's own description of a status code ("Not Supported").
    std::string error_string(nvml::Return code) const;

    nvml::Return device_count(unsigned& count) const;
    nvml::Return handle_by_index(unsigned index, nvml::Device& device) const;
    nvml::Return handle_by_uuid(const std::string& uuid, nvml::Device& device) const;
    // MIG device handle -> its physical GPU (optional entry point; not supported when absent).
    nvml::Return parent_of_mig(nvml::Device mig, nvml::Device& parent) const;
    nvml::Return name(nvml::Device device, std::string& out) const;
    nvml::Return uuid(nvml::Device device, std::string& out) const;
    nvml::Return index(nvml::Device device, unsigned& out) const;
    nvml::Return total_energy_mj(nvml::Device device, unsigned long long& energy_mj) const;
    nvml::Return power_usage_mw(nvml::Device device, unsigned& power_mw) const;
    // Instant power via field values; not supported when the entry point is missing.
    nvml::Return power_instant_mw(nvml::Device device, double& power_mw) const;
    nvml::Return utilization(nvml::Device device, nvml::Utilization& out) const;
    nvml::Return memory(nvml::Device device, nvml::Memory& out) const;
    nvml::Return temperature_c(nvml::Device device, unsigned& out) const;
    // type: 0 graphics, 1 SM, 2 memory (nvmlClockType_t).
    nvml::Return clock_mhz(nvml::Device device, int type, unsigned& out) const;
    nvml::Return performance_state(nvml::Device device, int& out) const;
    nvml::Return pcie_generation(nvml::Device device, unsigned& out) const;
    nvml::Return power_limit_mw(nvml::Device device, unsigned& out) const;
    nvml::Return mig_mode(nvml::Device device, unsigned& current, unsigned& pending) const;

    const std::string& path() const { return m_path; }

private:
    NvmlLibrary() = default;
    struct Symbols;
    void* m_handle = nullptr;
    std::string m_path;
    std::unique_ptr<Symbols> m_sym;
};

}  // namespace powerml::sensors
