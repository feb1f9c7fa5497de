// Percent-encoding of query values (RFC 3986's unreserved characters pass), on its own so that
// the fuzz harnesses' stand-in HTTP client uses this one rather than a copy.
#include <cctype>
#include <string>

#include <fmt/format.h>

#include "powerml/carbon/http_client.hpp"

namespace powerml::carbon {

std::string url_encode(const std::string& s) {
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') out += static_cast<char>(c);
        else out += fmt::format("%{:02X}", c);
    }
    return out;
}

}  // namespace powerml::carbon
