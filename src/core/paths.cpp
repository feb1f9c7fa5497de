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

namespace {

// The open file of read_input_file and read_input_file_lines, checked: a regular file of at
// most max_bytes. Closed by its destructor.
class InputFile {
public:
    InputFile(const std::filesystem::path& path, std::size_t max_bytes, const std::string& what)
        : m_path(path), m_max(max_bytes), m_what(what) {
        m_fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        if (m_fd < 0) throw Error(fmt::format("cannot read {} {}: {}", what, path.string(), std::strerror(errno)));
        struct stat st {};
        if (::fstat(m_fd, &st) != 0 || !S_ISREG(st.st_mode))
            throw Error(fmt::format("{} {} is not a regular file", what, path.string()));
        if (static_cast<std::uint64_t>(st.st_size) > max_bytes)
            throw Error(fmt::format("{} {} is {} bytes, more than the {} PowerML reads; is it the right file?", what,
                                    path.string(), st.st_size, max_bytes));
        m_size = static_cast<std::size_t>(st.st_size);
    }
    ~InputFile() {
        if (m_fd >= 0) ::close(m_fd);
    }
    InputFile(const InputFile&) = delete;
    InputFile& operator=(const InputFile&) = delete;

    std::size_t size_at_open() const { return m_size; }
    // Up to `n` bytes into `into`; 0 at the end. `total` is what was read before, checked
    // against the limit (the file may grow while being read).
    std::size_t read(char* into, std::size_t n, std::size_t total) {
        for (;;) {
            const ssize_t got = ::read(m_fd, into, n);
            if (got < 0 && errno == EINTR) continue;
            if (got < 0) throw Error(fmt::format("cannot read {} {}: {}", m_what, m_path.string(), std::strerror(errno)));
            if (total + static_cast<std::size_t>(got) > m_max)
                throw Error(fmt::format("{} {} is larger than the {} bytes PowerML reads", m_what, m_path.string(), m_max));
            return static_cast<std::size_t>(got);
        }
    }

private:
    const std::filesystem::path& m_path;
    std::size_t m_max;
    const std::string& m_what;
    int m_fd = -1;
    std::size_t m_size = 0;
};

}  // namespace

std::string read_input_file(const std::filesystem::path& path, std::size_t max_bytes, const std::string& what) {
    InputFile file(path, max_bytes, what);
    std::string out;
    out.reserve(file.size_at_open());
    char buffer[65536];
    while (const std::size_t n = file.read(buffer, sizeof buffer, out.size())) out.append(buffer, n);
    return out;
}

void read_input_file_lines(const std::filesystem::path& path, std::size_t max_bytes, const std::string& what,
                           const std::function<bool(std::string_view lines)>& on_lines) {
    InputFile file(path, max_bytes, what);
    // One buffer, reused: a partial last line moves to its front before the next read.
    constexpr std::size_t k_chunk = 64 * 1024;
    std::string buffer(k_chunk, '\0');
    std::size_t held = 0, total = 0;
    for (;;) {
        if (buffer.size() - held < k_chunk / 2) buffer.resize(buffer.size() * 2);  // a line longer than the buffer
        const std::size_t n = file.read(buffer.data() + held, buffer.size() - held, total);
        total += n;
        held += n;
        if (n == 0) {
            if (held > 0) on_lines(std::string_view(buffer.data(), held));
            return;
        }
        const std::size_t last_newline = std::string_view(buffer.data(), held).rfind('\n');
        if (last_newline == std::string_view::npos) continue;
        if (!on_lines(std::string_view(buffer.data(), last_newline + 1))) return;
        held -= last_newline + 1;
        std::memmove(buffer.data(), buffer.data() + last_newline + 1, held);
    }
}

}  // namespace powerml::paths
