#pragma once
// The files of the `measure` contract (ARCHITECTURE.md): summary.json, samples.csv, phases.csv.
// Each is written to a temporary name and renamed, so a reader never sees half a file.
#include <filesystem>
#include <string>

#include "powerml/sampler/timeline.hpp"
#include "powerml/store/run_record.hpp"

namespace powerml::store {

inline constexpr const char* k_run_schema = "powerml.run/1";

std::string summary_json(const RunRecord& record, int indent = 2);
std::string samples_csv(const sampler::Timeline& timeline);
std::string phases_csv(const RunRecord& record);

// Creates `dir` if needed and checks that a file can be written there. Throws Error naming it.
void ensure_writable_dir(const std::filesystem::path& dir);
void write_run_files(const std::filesystem::path& dir, const RunRecord& record, const sampler::Timeline& timeline);
void write_file_atomically(const std::filesystem::path& file, const std::string& content);

}  // namespace powerml::store
