// Lines a job writes on the control channel (`powerml mark`, the Python tracker):
// sampler::parse_control_line. It never throws: a line is a message or nothing.
#include "fuzz_common.hpp"
#include "powerml/sampler/control_channel.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text = powerml::fuzz::text_of(data, size);
    powerml::fuzz::refuse_only_with_error([&] { (void)powerml::sampler::parse_control_line(text); });
    return 0;
}
