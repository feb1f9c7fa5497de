#include "powerml/core/paths.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>

#include "powerml/core/error.hpp"

namespace powerml::paths {

namespace {
std::filesystem::path env_or(const char* name, const char* fallback) {
    const char* value = std::getenv(name);
    return (value && *value) ? std::filesystem::path(value) : std::filesystem::path(fallback);
}
}  // namespace

std::filesystem::path sysfs_root() { return env_or("POWERML_SYSFS_ROOT", "/sys"); }
std::filesystem::path procfs_root() { return env_or("POWERML_PROCFS_ROOT", "/proc"); }
std::filesystem::path cgroup_root() { return env_or("POWERML_CGROUP_ROOT", "/sys/fs/cgroup"); }

std::filesystem::path data_dir() {
    if (const char* value = std::getenv("POWERML_DATA_DIR"); value && *value) {
        if (!std::filesystem::is_directory(value))
            throw Error(std::string("POWERML_DATA_DIR=") + value + " is not a directory");
        return value;
    }
    for (const char* candidate : {POWERML_SOURCE_DATA_DIR, POWERML_INSTALL_DATA_DIR}) {
        if (std::filesystem::is_directory(candidate)) return candidate;
    }
    throw Error(std::string("PowerML's data folder was not found at ") + POWERML_SOURCE_DATA_DIR +
                " or " + POWERML_INSTALL_DATA_DIR + "; set POWERML_DATA_DIR");
}

std::filesystem::path user_data_dir() {
    std::filesystem::path base;
    if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg) {
        base = xdg;
    } else if (const char* home = std::getenv("HOME"); home && *home) {
        base = std::filesystem::path(home) / ".local" / "share";
    } else {
        base = std::filesystem::temp_directory_path();
    }
    return base / "powerml";
}

std::filesystem::path default_run_db() { return user_data_dir() / "runs.sqlite"; }

bool read_small_file(const std::filesystem::path& path, std::string& out) {
    // Plain read(2): sysfs attributes must be read in one call and iostreams cost far more
    // than the sampler's budget of a few microseconds per file.
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    out.clear();
    char buffer[4096];
    for (;;) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0) {
            ::close(fd);
            return false;
        }
        if (n == 0) break;
        out.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return true;
}

}  // namespace powerml::paths
