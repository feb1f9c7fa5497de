#pragma once
// Strict UTF-8 validation (RFC 3629: no overlong forms, no surrogates, nothing above
// U+10FFFF), for text that goes on into JSON, which accepts nothing else.
#include <cstddef>
#include <string>
#include <string_view>

namespace powerml {

// Length of the well-formed UTF-8 sequence starting at text[i], or 0 when it is not one.
std::size_t utf8_sequence_length(std::string_view text, std::size_t i) noexcept;

// Whether all of `text` is well-formed UTF-8. `bad_at`, when given, gets the offset of the
// first byte that is not.
bool valid_utf8(std::string_view text, std::size_t* bad_at = nullptr) noexcept;

// `text` with every byte that is not part of well-formed UTF-8 replaced by '?' (for messages
// that quote outside text and go on into JSON).
std::string printable_utf8(std::string_view text);

}  // namespace powerml
