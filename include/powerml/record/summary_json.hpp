#pragma once
// The codec of summary.json (schema powerml.run/1, extended, never broken) and of a channel's
// description: one writer and one reader, used by the files, the store, HTTP and Python.
#include <string>

#include "powerml/record/run_record.hpp"

namespace powerml::record {

inline constexpr const char* k_run_schema = "powerml.run/1";

std::string summary_json(const RunRecord& record, int indent = 2);
// Reads what summary_json wrote (and older files of the same schema, whose newer keys are
// absent). Throws Error saying what is wrong with the text.
RunRecord record_from_summary_json(const std::string& text);

std::string channel_json(const Channel& channel);
Channel channel_from_json(const std::string& text);  // throws Error on a malformed description

}  // namespace powerml::record
