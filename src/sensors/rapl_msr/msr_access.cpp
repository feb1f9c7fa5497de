#include "powerml/sensors/msr_access.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>

#include "powerml/core/error.hpp"

namespace powerml::sensors {

namespace {

class MsrDeviceFiles final : public MsrAccess {
public:
    explicit MsrDeviceFiles(std::filesystem::path root) : m_root(std::move(root)) {}
    ~MsrDeviceFiles() override {
        for (const auto& [cpu, fd] : m_fds) ::close(fd);
    }
    void open_cpu(int cpu) override {
        if (m_fds.count(cpu)) return;
        const auto file = m_root / "cpu" / std::to_string(cpu) / "msr";
        const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            const int err = errno;
            if (err == ENOENT) throw Error(file.string() + " does not exist: the msr driver is not loaded (modprobe msr)");
            throw Error("cannot open " + file.string() + ": " + std::strerror(err) +
                        (err == EACCES || err == EPERM ? " (reading MSRs needs root or CAP_SYS_RAWIO)" : ""));
        }
        m_fds.emplace(cpu, fd);
    }
    bool read(int cpu, std::uint32_t reg, std::uint64_t& value) override {
        const auto it = m_fds.find(cpu);
        if (it == m_fds.end()) return false;
        unsigned char bytes[8];
        if (::pread(it->second, bytes, sizeof bytes, static_cast<off_t>(reg)) != static_cast<ssize_t>(sizeof bytes))
            return false;
        value = 0;
        for (int i = 7; i >= 0; --i) value = (value << 8) | bytes[i];  // MSRs are little-endian
        return true;
    }

private:
    std::filesystem::path m_root;
    std::map<int, int> m_fds;
};

}  // namespace

std::shared_ptr<MsrAccess> msr_device_files(const std::filesystem::path& dev_root) {
    return std::make_shared<MsrDeviceFiles>(dev_root);
}

}  // namespace powerml::sensors
