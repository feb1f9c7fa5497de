#pragma once
// Internal to power_models: skipping, before TOML parsing, the one-line models of a generated
// catalog file whose own match rules cannot hold for a machine. Parsing every model costs tens
// of milliseconds at each measurement's start; a catalog line is cheap to test as text.
#include <set>
#include <string>

#include "powerml/power_models/machine.hpp"

namespace powerml::power_models::detail {

// Replaces with empty lines (so line numbers stay right) every line of the form
// `  { id = "...", ..., match = { ... }, ... },` whose cpu, gpu, instance, board or vm rule
// (a single string or bool written on that line) fails for `machine`, or which is `manual`,
// unless its id is in `keep_ids`. Lines it cannot judge are kept.
std::string blank_unmatchable_lines(const std::string& text, const Machine& machine, const std::set<std::string>& keep_ids);

}  // namespace powerml::power_models::detail
