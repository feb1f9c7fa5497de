#pragma once
// The checks every request passes before a route sees it, apart from the HTTP library so they
// are tested and fuzzed on their own. Each fault is an HttpError (400, 411 or 413) that says
// what to send instead.
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace powerml::server {

// Framing, decided from the headers before any body byte is read: every Content-Length must
// be the same plain decimal byte count, at most `max_body`; POST, PUT and PATCH must carry
// one; Transfer-Encoding (chunked bodies have no length to check up front) is refused.
// Returns the body length the request announces.
std::size_t check_framing(const std::string& method, const std::vector<std::string>& content_lengths,
                          bool has_transfer_encoding, std::size_t max_body);

// The decoded path, query parameters and body are valid UTF-8 (they go on into JSON
// answers and messages); 400 naming the part otherwise.
void check_request_encoding(std::string_view path, const std::multimap<std::string, std::string>& params,
                            std::string_view body);

// A JSON text nests arrays and objects at most `max_depth` deep (deeper would only exhaust
// the stack of whatever walks it); 400 otherwise. Strings are skipped, so brackets in them
// do not count.
void check_json_nesting(std::string_view text, int max_depth);

// The token of an `Authorization: Bearer TOKEN` header: the scheme in any case, spaces
// around it allowed (RFC 7235). nullopt for any other scheme or an empty token.
std::optional<std::string> bearer_token(std::string_view authorization);

}  // namespace powerml::server
