#pragma once
// PowerML's measurement of a job beside what a software tracker reported for the same job, as
// seed 003 compared its power meter with CodeCarbon and experiment-impact-tracker: energy per
// component, the ratio, and where the difference comes from (idle draw included or not,
// components the tracker cannot see, PUE folded into its numbers, a different duration).
//
// Read here, by column or key name, never by position:
//  - CodeCarbon's emissions.csv, 2.x (31 columns) and 3.x (38) -- the last row, the latest run;
//    its energies are kWh times its `pue`, divided out again before comparing;
//  - experiment-impact-tracker's log, impacttracker/data.json (one JSON object per line, with
//    `timestamp` in Unix seconds and `rapl_estimated_attributable_power_draw` /
//    `nvidia_estimated_attributable_power_draw` in W), integrated as the tracker does: each
//    line's power times the time since the line before.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "powerml/report/report_input.hpp"
#include "powerml/report/table.hpp"

namespace powerml::report {

struct TrackerReading {
    std::string tool;    // "CodeCarbon 3.3.0 (3.x columns)", "experiment-impact-tracker"
    std::string source;  // the file read
    std::string run_id;
    std::optional<double> duration_s;
    // Energy per component as the tracker counts it, in J, with its PUE divided out.
    std::optional<double> cpu_j, gpu_j, ram_j, total_j;
    std::optional<double> g_co2e;
    double pue = 1.0;   // the PUE the tracker had folded into its energies
    std::string scope;  // "machine" | "process" (CodeCarbon tracking_mode), "attributable" (EIT)
    std::vector<std::string> notes;
};

// Throw Error with one sentence naming `label` (and the line) on input they cannot read.
TrackerReading read_codecarbon_csv(const std::string& text, const std::string& label);
TrackerReading read_impact_tracker_log(const std::string& text, const std::string& label);
// A CodeCarbon emissions.csv, an experiment-impact-tracker data.json, or the log directory
// holding impacttracker/data.json; which one is decided by the content. At most 64 MiB read.
TrackerReading read_tracker_file(const std::filesystem::path& path);

// Rows cpu, gpu, ram and total: PowerML gross and net J, the tracker's J, the ratio tracker /
// PowerML gross, and a note per row; `notes` gets the explanations of the differences.
Table tracker_comparison(const RunInput& run, const TrackerReading& tracker, std::vector<std::string>& notes);

}  // namespace powerml::report
