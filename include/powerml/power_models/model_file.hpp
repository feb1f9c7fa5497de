#pragma once
// Reading, checking and writing power model files (TOML). The format and every check are
// described in docs/reference/power-model-format.md. A file holds one model or many:
//   [catalog]  optional: name, source, licence, description shared by its models
//   [defaults] optional: any model field, used where a model does not set it
//   [[model]]  one table per model (or model = [{...}, {...}] inline)
#include <filesystem>
#include <string>
#include <vector>

#include "powerml/power_models/power_model.hpp"

namespace powerml::power_models {

inline constexpr const char* k_schema = "powerml.power-models/1";
// Largest power-model file read (the biggest shipped one is about 0.5 MB).
inline constexpr std::size_t k_max_model_file_bytes = 32u << 20;

// Parses and checks a file's text. Throws Error "FILE:LINE: field 'x': what is wrong, what to
// do" at the first problem; `file` is only used in messages and in each model's location.
std::vector<PowerModel> parse_model_file(const std::string& text, const std::string& file, Origin origin = Origin::file);
std::vector<PowerModel> read_model_file(const std::filesystem::path& file, Origin origin = Origin::file);

// Checks one model's fields against each other (parse_model_file calls it for every model).
// Throws Error naming `model.location` and the field.
void check_model(const PowerModel& model);

// A self-contained file for one model (what users share): every field written out.
std::string write_model_file(const PowerModel& model);

}  // namespace powerml::power_models
