// The user configuration (config.toml): Config::load_text and reading values back.
#include "fuzz_common.hpp"
#include "powerml/core/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text = powerml::fuzz::text_of(data, size);
    powerml::fuzz::refuse_only_with_error([&] {
        powerml::Config config;
        config.load_text(text, "config.toml");
        for (const char* key : {"measure.interval_ms", "power_models.cpu", "carbon.http_timeout_s", "provider.entsoe.key"})
            if (config.get(key)) (void)config.get_double(key, 0);
    });
    return 0;
}
