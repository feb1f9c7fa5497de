#pragma once
// Where PowerML finds the machine (/sys, /proc: replaceable for tests) and its own data.
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace powerml::paths {

// $POWERML_SYSFS_ROOT or "/sys".
std::filesystem::path sysfs_root();
// $POWERML_PROCFS_ROOT or "/proc".
std::filesystem::path procfs_root();
// "/sys/fs/cgroup" or POWERML_CGROUP_ROOT (a fake cgroup v2 tree for tests).
std::filesystem::path cgroup_root();
// The file PowerML's code runs from: the powerml program, or the Python module's _core*.so.
// Empty when it cannot be told.
std::filesystem::path loaded_from();
// Shipped data: $POWERML_DATA_DIR, else found relative to loaded_from() (the Python package's
// data/, PREFIX/share/powerml beside PREFIX/bin or PREFIX/lib/python3*/...), so an installed
// copy reads its own data wherever it was installed; else the source tree's data/ (build tree
// use), else the configured install prefix's share/powerml. Throws Error when none exists.
std::filesystem::path data_dir();
// Where an installed copy keeps a plugin (libpowerml_torch.so): beside loaded_from() (a pip
// package), then PREFIX/lib/powerml/FILE relative to it. The loader tries these before the
// build tree's copy.
std::vector<std::string> plugin_candidates(const std::string& file_name);
// $XDG_DATA_HOME/powerml (or ~/.local/share/powerml), created on demand.
std::filesystem::path user_data_dir();
// user_data_dir()/runs.sqlite
std::filesystem::path default_run_db();

// Reads a whole small file (sysfs/procfs); returns false instead of throwing, because
// hardware files vanish and become unreadable at run time.
bool read_small_file(const std::filesystem::path& path, std::string& out);

// Reads a whole file that a person gave (config, job, experiment, model, log), refusing one
// that is not a regular file (a FIFO or /dev/zero would be read forever) or is larger than
// `max_bytes`. Throws Error naming `what` and the file.
std::string read_input_file(const std::filesystem::path& path, std::size_t max_bytes, const std::string& what);
// The same file, with the same checks, handed over in pieces of whole lines (each but the last
// ends with '\n') as it is read, for a reader that keeps little of a large file: the whole
// never sits in memory. `on_lines` returns false to stop reading.
void read_input_file_lines(const std::filesystem::path& path, std::size_t max_bytes, const std::string& what,
                           const std::function<bool(std::string_view lines)>& on_lines);

}  // namespace powerml::paths
