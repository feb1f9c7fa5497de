#pragma once
// `rapl_msr`: RAPL energy counters read straight from the model-specific registers through
// /dev/cpu/N/msr (the msr driver; needs CAP_SYS_RAWIO). Intel: unit 0x606, package 0x611,
// DRAM 0x619. AMD (family 17h+): unit 0xC0010299, package 0xC001029B, per-core 0xC001029A.
// The energy fields are 32 bits of the unit in bits 12:8 (1/2^ESU J), so they wrap: every
// counter is reported raw in J with wrap_at = 2^32 x unit. The device root is injectable
// (POWERML_DEVFS_ROOT) so tests read fake files with 8-byte little-endian values at the
// register offsets.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "powerml/sensors/msr_access.hpp"
#include "powerml/sensors/sensor.hpp"

namespace powerml::sensors {

namespace msr {
inline constexpr std::uint32_t k_intel_power_unit = 0x606;
inline constexpr std::uint32_t k_intel_pkg_energy = 0x611;
inline constexpr std::uint32_t k_intel_dram_energy = 0x619;
inline constexpr std::uint32_t k_amd_power_unit = 0xC0010299;
inline constexpr std::uint32_t k_amd_core_energy = 0xC001029A;
inline constexpr std::uint32_t k_amd_pkg_energy = 0xC001029B;
}  // namespace msr

// $POWERML_DEVFS_ROOT or "/dev".
std::filesystem::path devfs_root();

class RaplMsrSensor final : public Sensor {
public:
    struct Domain {
        SignalInfo info;
        int cpu = 0;  // the CPU whose msr file is read
        std::uint32_t reg = 0;
        double unit_j = 0.0;
    };

    // Finds vendor (procfs cpuinfo), packages and cores (sysfs topology), opens each CPU it
    // reads and reads the unit registers. Throws Error with the reason.
    RaplMsrSensor(const ProbeContext& context, std::shared_ptr<MsrAccess> msr);

    std::string_view name() const noexcept override { return "rapl_msr"; }
    std::vector<SignalInfo> signals() const override;
    int push_signal(std::string_view signal, int domain_idx) override;
    void read_batch() override;
    double sample(int handle) const override;

    const std::vector<Domain>& domains() const { return m_domains; }
    const std::string& vendor() const { return m_vendor; }

private:
    std::shared_ptr<MsrAccess> m_msr;
    std::string m_vendor;
    std::vector<Domain> m_domains;
    std::vector<std::size_t> m_pushed;
    std::vector<double> m_values;
};

Probe probe_rapl_msr(const ProbeContext& context, std::shared_ptr<MsrAccess> msr);

}  // namespace powerml::sensors
