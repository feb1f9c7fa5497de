#include "powerml/sensors/perf_event_api.hpp"

#include <linux/perf_event.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace powerml::sensors {

namespace {

class SystemPerfEventApi final : public PerfEventApi {
public:
    int open(std::uint32_t type, std::uint64_t config, int cpu) override {
        perf_event_attr attr;
        std::memset(&attr, 0, sizeof attr);
        attr.size = sizeof attr;
        attr.type = type;
        attr.config = config;
        // pid -1 + a CPU: a system-wide counter for that CPU's package (RAPL is per package).
        const long fd = ::syscall(SYS_perf_event_open, &attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
        return fd < 0 ? -errno : static_cast<int>(fd);
    }
    bool read(int fd, std::uint64_t& value) override {
        return ::read(fd, &value, sizeof value) == static_cast<ssize_t>(sizeof value);
    }
    void close(int fd) override { ::close(fd); }
};

}  // namespace

std::shared_ptr<PerfEventApi> system_perf_event_api() { return std::make_shared<SystemPerfEventApi>(); }

}  // namespace powerml::sensors
