#pragma once
// Shared by the libFuzzer harnesses: a parser may refuse its input only with powerml::Error.
// Anything else (another exception, a crash, a sanitizer report) is a finding: an uncaught
// exception ends in std::terminate, which libFuzzer reports with the input that caused it.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "powerml/core/error.hpp"

namespace powerml::fuzz {

inline std::string text_of(const std::uint8_t* data, std::size_t size) {
    return std::string(reinterpret_cast<const char*>(data), size);
}

template <typename F>
void refuse_only_with_error(F&& parse) {
    try {
        parse();
    } catch (const powerml::Error&) {
        // the expected way to refuse bad input
    }
}

}  // namespace powerml::fuzz
