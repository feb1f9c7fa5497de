#pragma once
// The files of the `measure` contract (ARCHITECTURE.md): summary.json, samples.csv, phases.csv.
// summary.json is written by the record codec; this module only lays the CSV files out.
// Each is written to a temporary name and renamed, so a reader never sees half a file.
#include <filesystem>
#include <string>

#include "powerml/record/timeline.hpp"
#include "powerml/record/run_record.hpp"

namespace powerml::store {

// "20261123T131500Z-3f2a": the start time and 16 random bits.
std::string new_run_id(UtcMillis now);

std::string samples_csv(const record::Timeline& timeline);
std::string phases_csv(const record::RunRecord& record);

// Creates `dir` if needed and checks that a file can be written there. Throws Error naming it.
void ensure_writable_dir(const std::filesystem::path& dir);
// summary.json (record::summary_json), samples.csv and phases.csv into `dir`, each atomically.
void write_run_files(const std::filesystem::path& dir, const record::RunRecord& record, const record::Timeline& timeline);
void write_file_atomically(const std::filesystem::path& file, const std::string& content);

}  // namespace powerml::store
