#pragma once
// The perf_event_open system call behind a narrow interface, so that the RAPL perf source is
// tested with scripted counter values (a syscall cannot be faked with files).
#include <cstdint>
#include <memory>

namespace powerml::sensors {

class PerfEventApi {
public:
    virtual ~PerfEventApi() = default;
    // Opens a system-wide counter of PMU `type` / `config` on `cpu`; returns a descriptor, or
    // -errno (EACCES when perf_event_paranoid forbids it, ENOENT for an unknown event).
    virtual int open(std::uint32_t type, std::uint64_t config, int cpu) = 0;
    // The counter's current raw value; false when the read fails.
    virtual bool read(int fd, std::uint64_t& value) = 0;
    virtual void close(int fd) = 0;
};

// The real system call.
std::shared_ptr<PerfEventApi> system_perf_event_api();

}  // namespace powerml::sensors
