#pragma once
// Finding a measured run wherever the user points: a run id or a unique prefix of one in the
// run store, or a folder written by `measure --out`. Every command that takes a run goes
// through here, so they all accept the same things and see the same record.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "powerml/record/job_summary.hpp"
#include "powerml/record/run_record.hpp"
#include "powerml/record/timeline.hpp"

namespace powerml::measure {

struct LoadedRun {
    // As measured: the stored record of a finished run, or, for a run powerml did not see end,
    // the summary computed from the samples that reached the store (status "interrupted").
    record::RunRecord record;
    record::Timeline timeline;  // every sample, the idle baseline's included
    std::string origin;         // "run store /path/runs.sqlite" or "folder runs/x"
};

// `run` is a folder (holding summary.json) when such a folder exists, else an id or prefix in
// `db_file` (opened read-only). A folder's run is read from the store when the store has it
// (every sample, exactly as measured), else from the folder's own files. Throws Error saying
// what was looked for and where.
LoadedRun load_run(const std::string& run, const std::filesystem::path& db_file);

// Every run of the distributed job `job_key` in the store, summed across its nodes
// (analysis::summarize_job); `expected_nodes` adds to the nodes the runs name. Throws Error
// when the store has no run of that job.
record::JobSummary load_job(const std::string& job_key, const std::filesystem::path& db_file,
                            const std::vector<std::string>& expected_nodes = {});

// True when `run` names a folder written by `measure --out` (it holds summary.json).
bool is_run_folder(const std::string& run);

// The experiment a `measure --repeat N --out D` folder's group.json names, when `path` is such
// a folder; nothing otherwise. Throws Error for a group.json that cannot be read.
std::optional<std::string> group_experiment(const std::string& path);

}  // namespace powerml::measure
