#pragma once
// Reading a job file (TOML; docs/reference/job-file.md). Every fault throws powerml::Error
// naming the file and the field, e.g. "job.toml: [job] power_w: must be > 0 (got -3)".
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "powerml/planner/job_spec.hpp"

namespace powerml::planner {

// A job's energy profile taken from a measured run: wall time and mean power.
struct RunProfile {
    double duration_s = 0.0;
    double power_w = 0.0;
    std::string origin;  // "run 20261123T131500Z-3f2a"
};
// Resolves `run = "<id>"` (e.g. from the run store); nothing when there is no such run.
using RunLookup = std::function<std::optional<RunProfile>(const std::string& run)>;

// `run` is first tried as a `powerml measure --out` directory (or its summary.json), then
// handed to `lookup`.
JobSpec load_job_file(const std::filesystem::path& file, const RunLookup& lookup = {});
// `origin` names the text in messages; relative `run` paths resolve against `base_dir`.
JobSpec parse_job_toml(std::string_view text, const std::string& origin,
                       const std::filesystem::path& base_dir = {}, const RunLookup& lookup = {});

}  // namespace powerml::planner
