// Power model files (`powerml models validate|import`, data/power-models/): parse_model_file.
#include "fuzz_common.hpp"
#include "powerml/power_models/model_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text = powerml::fuzz::text_of(data, size);
    powerml::fuzz::refuse_only_with_error([&] {
        for (const auto& model : powerml::power_models::parse_model_file(text, "fuzz.toml"))
            (void)powerml::power_models::write_model_file(model);  // what was accepted can be written back
    });
    return 0;
}
