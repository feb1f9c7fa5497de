#pragma once
// Where PowerML finds the machine (/sys, /proc: replaceable for tests) and its own data.
#include <filesystem>
#include <string>

namespace powerml::paths {

// $POWERML_SYSFS_ROOT or "/sys".
std::filesystem::path sysfs_root();
// $POWERML_PROCFS_ROOT or "/proc".
std::filesystem::path procfs_root();
// "/sys/fs/cgroup" or POWERML_CGROUP_ROOT (a fake cgroup v2 tree for tests).
std::filesystem::path cgroup_root();
// Shipped data: $POWERML_DATA_DIR, else the source tree's data/ (build tree use), else the
// install prefix's share/powerml. Throws Error when none exists.
std::filesystem::path data_dir();
// $XDG_DATA_HOME/powerml (or ~/.local/share/powerml), created on demand.
std::filesystem::path user_data_dir();
// user_data_dir()/runs.sqlite
std::filesystem::path default_run_db();

// Reads a whole small file (sysfs/procfs); returns false instead of throwing, because
// hardware files vanish and become unreadable at run time.
bool read_small_file(const std::filesystem::path& path, std::string& out);

}  // namespace powerml::paths
