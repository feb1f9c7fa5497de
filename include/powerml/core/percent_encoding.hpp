#pragma once
// %XX sequences of URLs and connection strings, decoded (a malformed one is kept as written).
#include <string>
#include <string_view>

namespace powerml {

// `plus_is_space`: a query string's '+' stands for a space (form encoding); in a URI's user
// part, as libpq reads it, it is a plain '+'.
std::string percent_decoded(std::string_view text, bool plus_is_space);

}  // namespace powerml
