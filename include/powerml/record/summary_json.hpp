#pragma once
// The codec of summary.json (schema powerml.run/1, extended, never broken) and of a channel's
// description: one writer and one reader, used by the files, the store, HTTP and Python.
#include <string>

#include "powerml/record/job_summary.hpp"
#include "powerml/record/run_record.hpp"

namespace powerml::record {

inline constexpr const char* k_run_schema = "powerml.run/1";

std::string summary_json(const RunRecord& record, int indent = 2);
// Reads what summary_json wrote (and older files of the same schema, whose newer keys are
// absent). Throws Error saying what is wrong with the text.
RunRecord record_from_summary_json(const std::string& text);

// A job summed across nodes (schema powerml.job/1): `powerml runs job --format json`,
// /v1/jobs/KEY and the report render this one text.
inline constexpr const char* k_job_schema = "powerml.job/1";
std::string job_summary_json(const JobSummary& job, int indent = 2);

std::string channel_json(const Channel& channel);
Channel channel_from_json(const std::string& text);  // throws Error on a malformed description

}  // namespace powerml::record
