#pragma once
// Reading a job file (TOML; docs/reference/job-file.md). Every fault throws powerml::Error
// naming the file and the field, e.g. "job.toml: [job] power_w: must be > 0 (got -3)".
#include <filesystem>
#include <string>
#include <string_view>

#include "powerml/planner/job_spec.hpp"

namespace powerml::planner {

JobSpec load_job_file(const std::filesystem::path& file);
// `origin` names the text in messages; relative `run` paths resolve against `base_dir`.
JobSpec parse_job_toml(std::string_view text, const std::string& origin,
                       const std::filesystem::path& base_dir = {});

}  // namespace powerml::planner
