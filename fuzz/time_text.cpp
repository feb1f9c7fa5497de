// Times and durations as people and providers write them: parse_rfc3339, format_rfc3339,
// parse_duration_s (every route and file with a time goes through these).
#include "fuzz_common.hpp"
#include "powerml/core/time.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text = powerml::fuzz::text_of(data, size);
    powerml::fuzz::refuse_only_with_error([&] { (void)powerml::format_rfc3339(powerml::parse_rfc3339(text)); });
    powerml::fuzz::refuse_only_with_error([&] { (void)powerml::parse_duration_s(text); });
    if (size >= 8) {
        double seconds = 0;
        __builtin_memcpy(&seconds, data, 8);
        powerml::fuzz::refuse_only_with_error([&] { (void)powerml::format_rfc3339(powerml::utc_from_unix_seconds(seconds)); });
        std::int64_t t = 0;
        __builtin_memcpy(&t, data, 8);
        (void)powerml::utc_fields(t);  // any 64-bit time: no overflow
    }
    return 0;
}
