// The credential filter every provider text passes through (powerml::Redactor): any text in,
// and what comes out never holds the secret the request carried.
#include <cstdlib>

#include "fuzz_common.hpp"
#include "powerml/core/redactor.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text = powerml::fuzz::text_of(data, size);
    const std::string secret = "k3y-SECRET-0123456789";
    powerml::Redactor r;
    r.add_request("/api?securityToken=" + secret + "&zone=DE", {{"auth-token", secret}});
    // The secret planted in the middle of the fuzzed text must be gone.
    const std::string planted = text.substr(0, size / 2) + secret + text.substr(size / 2);
    if (r.scrub(planted).find(secret) != std::string::npos) std::abort();
    std::string body = planted;
    r.scrub_secrets_in_place(body);
    if (body.find(secret) != std::string::npos) std::abort();
    (void)r.scrub(text);
    return 0;
}
