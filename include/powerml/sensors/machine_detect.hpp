#pragma once
// What this machine is, for matching power models: CPU and memory from procfs, GPUs from the
// NVIDIA driver's procfs files, board and instance type from DMI or the device tree, DIMM
// voltage and speed from `dmidecode -t memory` when it can be read (root only).
#include <filesystem>
#include <string>
#include <vector>

#include "powerml/power_models/machine.hpp"

namespace powerml::sensors {

// Reads the machine under the given roots. `dmidecode_text` is the output of
// `dmidecode -t memory` (empty: DIMMs unknown).
power_models::Machine detect_machine(const std::filesystem::path& procfs_root, const std::filesystem::path& sysfs_root,
                                     const std::string& dmidecode_text);

// One entry per populated "Memory Device" block.
std::vector<power_models::Dimm> parse_dmidecode_memory(const std::string& text);

// `dmidecode -t memory` of this machine, or of the file $POWERML_DMIDECODE_FILE (tests).
// Empty when not readable (not root, not installed) or when POWERML_SYSFS_ROOT points at a
// fake tree, whose machine dmidecode cannot describe. dmidecode runs at most once per process:
// the firmware's tables do not change until the machine restarts.
std::string read_dmidecode_memory();

}  // namespace powerml::sensors
