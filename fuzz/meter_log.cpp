// Wall meter logs (`powerml meter import|fit`): MeterLog::parse_csv and a window over it.
#include "fuzz_common.hpp"
#include "powerml/sensors/meter_log.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text = powerml::fuzz::text_of(data, size);
    powerml::fuzz::refuse_only_with_error([&] {
        const auto log = powerml::sensors::MeterLog::parse_csv(text, "fuzz.csv");
        const auto& rows = log.rows();
        (void)log.window(rows.front().time, rows.back().time + 1000);
    });
    return 0;
}
