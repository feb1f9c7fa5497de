#pragma once
// Internal to power_models: skipping, before TOML parsing, the one-line models of a generated
// catalog file whose own match rules cannot hold for a machine. Parsing every model costs tens
// of milliseconds at each measurement's start; a catalog line is cheap to test as text.
#include <set>
#include <string>
#include <string_view>

#include "powerml/power_models/machine.hpp"

namespace powerml::power_models::detail {

// Replaces with empty lines (so line numbers stay right) every line of the form
// `  { id = "...", ..., match = { ... }, ... },` whose cpu, gpu, instance, board or vm rule
// (a single string or bool written on that line) fails for `machine`, or which is `manual`,
// unless its id is in `keep_ids`. Lines it cannot judge are kept.
std::string blank_unmatchable_lines(std::string_view text, const Machine& machine, const std::set<std::string>& keep_ids);
// The same for a piece of whole lines of a file read piece by piece, appended to `out`.
void append_matchable_lines(std::string_view text, const Machine& machine, const std::set<std::string>& keep_ids,
                            std::string& out);

}  // namespace powerml::power_models::detail
