#include "powerml/core/paths.hpp"

#include <dlfcn.h>
#include <fcntl.h>
#include <link.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <system_error>
#include <cstring>

#include <fmt/format.h>

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

std::filesystem::path loaded_from() {
    // Where this object was loaded from does not change while it is loaded: found once (each
    // Tracker asked twice, through data_dir(), at its start).
    static const std::filesystem::path self = [] {
        // dladdr1 names the object holding this function: a shared object by the path it was
        // loaded from; the main program by an empty name (its argv[0] is no path to trust), so
        // the kernel's /proc/self/exe is asked instead. The real /proc: this is not a measurement.
        Dl_info info{};
        link_map* map = nullptr;
        std::error_code ec;
        if (::dladdr1(reinterpret_cast<void*>(&loaded_from), &info, reinterpret_cast<void**>(&map), RTLD_DL_LINKMAP) &&
            map && map->l_name && *map->l_name) {
            auto path = std::filesystem::weakly_canonical(map->l_name, ec);
            return ec ? std::filesystem::path(map->l_name) : path;
        }
        auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
        return ec ? std::filesystem::path() : exe;
    }();
    return self;
}

std::vector<std::filesystem::path> relocated_dirs(const std::filesystem::path& below_prefix) {
    const auto self = loaded_from();
    if (self.empty()) return {};
    const auto dir = self.parent_path();
    // PREFIX/bin/powerml and PREFIX/lib/python3*/{dist,site}-packages/powerml/_core*.so.
    return {dir.parent_path() / below_prefix, dir.parent_path().parent_path().parent_path().parent_path() / below_prefix};
}

std::vector<std::filesystem::path> data_dir_candidates() {
    std::vector<std::filesystem::path> candidates;
    if (const auto self = loaded_from(); !self.empty()) candidates.push_back(self.parent_path() / "data");  // pip's package
    for (auto& dir : relocated_dirs("share/powerml")) candidates.push_back(std::move(dir));
    candidates.emplace_back(POWERML_SOURCE_DATA_DIR);
    candidates.emplace_back(POWERML_INSTALL_DATA_DIR);
    return candidates;
}

std::filesystem::path data_dir() {
    if (const char* value = std::getenv("POWERML_DATA_DIR"); value && *value) {
        if (!std::filesystem::is_directory(value))
            throw Error(std::string("POWERML_DATA_DIR=") + value + " is not a directory");
        return value;
    }
    std::string tried;
    for (const auto& candidate : data_dir_candidates()) {
        // A data folder is one with the shipped grid data in it, not any folder of that name.
        if (std::filesystem::is_directory(candidate / "grid")) return candidate;
        tried += (tried.empty() ? "" : ", ") + candidate.string();
    }
    throw Error("PowerML's data folder was not found (tried " + tried + "); set POWERML_DATA_DIR");
}

std::vector<std::string> plugin_candidates(const std::string& file_name) {
    std::vector<std::string> candidates;
    // Beside the object itself first: a pip-installed package keeps its plugins in its folder.
    if (const auto self = loaded_from(); !self.empty()) candidates.push_back((self.parent_path() / file_name).string());
    for (const auto& dir : relocated_dirs("lib/powerml")) candidates.push_back((dir / file_name).string());
    return candidates;
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

std::string read_input_file(const std::filesystem::path& path, std::size_t max_bytes, const std::string& what) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) throw Error(fmt::format("cannot read {} {}: {}", what, path.string(), std::strerror(errno)));
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        throw Error(fmt::format("{} {} is not a regular file", what, path.string()));
    }
    if (static_cast<std::uint64_t>(st.st_size) > max_bytes) {
        ::close(fd);
        throw Error(fmt::format("{} {} is {} bytes, more than the {} PowerML reads; is it the right file?", what,
                                path.string(), st.st_size, max_bytes));
    }
    std::string out;
    out.reserve(static_cast<std::size_t>(st.st_size));
    char buffer[65536];
    for (;;) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0) {
            if (errno == EINTR) continue;
            const int err = errno;
            ::close(fd);
            throw Error(fmt::format("cannot read {} {}: {}", what, path.string(), std::strerror(err)));
        }
        if (n == 0) break;
        if (out.size() + static_cast<std::size_t>(n) > max_bytes) {  // grew while being read
            ::close(fd);
            throw Error(fmt::format("{} {} is larger than the {} bytes PowerML reads", what, path.string(), max_bytes));
        }
        out.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return out;
}

}  // namespace powerml::paths
