#pragma once
// Helpers shared by the workload, profile, estimate and demo commands.
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "powerml/workloads/workload_runner.hpp"

namespace powerml::cli {

// The running powerml binary, to start it again as the measured child.
std::string self_executable();
// Callbacks that send control lines to $POWERML_CONTROL (when measured) and print progress on stderr.
workloads::WorkloadCallbacks workload_callbacks(bool quiet);
// "a,b,c" -> {"a","b","c"}; throws Error naming `flag` for an empty item.
std::vector<std::string> split_list(const std::string& text, const std::string& flag);
std::vector<int> split_ints(const std::string& text, const std::string& flag, int min, int max);

}  // namespace powerml::cli
