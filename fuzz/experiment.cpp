// Experiment files (`powerml experiment run FILE`): experiment::parse_experiment and the plan.
#include "fuzz_common.hpp"
#include "powerml/experiment/experiment_spec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text = powerml::fuzz::text_of(data, size);
    powerml::fuzz::refuse_only_with_error([&] {
        const auto spec = powerml::experiment::parse_experiment(text, "fuzz.toml");
        (void)powerml::experiment::plan_runs(spec);
    });
    return 0;
}
