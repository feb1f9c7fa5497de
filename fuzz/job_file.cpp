// Job files (`powerml plan JOB.toml`, POST /v1/plan): planner::parse_job_toml.
#include "fuzz_common.hpp"
#include "powerml/planner/job_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text = powerml::fuzz::text_of(data, size);
    // No run lookup and no base directory: a `run` key can only name a file, which is read
    // through the bounded reader.
    powerml::fuzz::refuse_only_with_error([&] { powerml::planner::parse_job_toml(text, "fuzz.toml", "/nonexistent"); });
    return 0;
}
