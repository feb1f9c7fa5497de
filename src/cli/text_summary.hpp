#pragma once
// The human summary `measure` and `demo` print on stderr.
#include <string>
#include <vector>

#include "powerml/record/run_record.hpp"

namespace powerml::cli {

std::string text_summary(const record::RunRecord& record, const std::vector<std::string>& notes);

}  // namespace powerml::cli
