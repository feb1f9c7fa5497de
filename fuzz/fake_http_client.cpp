// Stands in for src/carbon/http_client.cpp in the provider harnesses: every GET answers with
// the fuzzer's bytes (a WattTime login with a token), so the providers' own answer parsers
// run on them without a socket. The real client's limits and redaction are tested by
// tests/carbon (RedactionTest) and fuzzed through the redactor harness.
#include "fake_http_client.hpp"

#include <fmt/format.h>

#include "powerml/carbon/http_client.hpp"

namespace powerml::fuzz {
std::string g_answer;
}

namespace powerml::carbon {

HttpClient::HttpClient(std::string provider, std::string base_url, HttpOptions options)
    : m_provider(std::move(provider)), m_base_url(std::move(base_url)), m_options(options) {}

std::string HttpClient::get(const std::string& path_and_query, const std::map<std::string, std::string>&, const std::string&,
                            const std::string&) const {
    if (path_and_query == "/login") return R"({"token":"fuzz-token"})";
    return fuzz::g_answer;
}

}  // namespace powerml::carbon
