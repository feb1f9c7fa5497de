#pragma once
// Reading model-specific registers. The default reads /dev/cpu/N/msr at offset = register;
// tests use fake files under an injected root, or a scripted MsrAccess where registers sit at
// adjacent numbers (AMD's 0xC0010299..0xC001029B overlap as 8-byte values in a flat file).
#include <cstdint>
#include <filesystem>
#include <memory>

namespace powerml::sensors {

class MsrAccess {
public:
    virtual ~MsrAccess() = default;
    // Makes `cpu` readable; throws Error saying why not (driver not loaded, permission).
    virtual void open_cpu(int cpu) = 0;
    virtual bool read(int cpu, std::uint32_t reg, std::uint64_t& value) = 0;
};

// /dev/cpu/N/msr under `dev_root` (POWERML_DEVFS_ROOT in tests), 8 bytes little-endian.
std::shared_ptr<MsrAccess> msr_device_files(const std::filesystem::path& dev_root);

}  // namespace powerml::sensors
