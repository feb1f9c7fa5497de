#include "powerml/server/request_checks.hpp"

#include <cctype>

#include <fmt/format.h>

#include "powerml/core/utf8_check.hpp"
#include "powerml/server/http_error.hpp"

namespace powerml::server {

namespace {

std::string shown(std::string_view text) { return printable_utf8(text.substr(0, 32)); }

void check_utf8(const std::string& field, std::string_view what, std::string_view text) {
    std::size_t at = 0;
    if (!valid_utf8(text, &at))
        throw HttpError::bad_field(field, fmt::format("{} is not valid UTF-8 (byte {} of it); percent-encode UTF-8 text", what, at));
}

}  // namespace

std::size_t check_framing(const std::string& method, const std::vector<std::string>& content_lengths,
                          bool has_transfer_encoding, std::size_t max_body) {
    if (has_transfer_encoding)
        throw HttpError(411, "Length Required",
                        "send the body with a Content-Length header (Transfer-Encoding, chunked included, is not accepted)");
    std::optional<std::size_t> length;
    for (const auto& text : content_lengths) {
        bool digits = !text.empty() && text.size() <= 19;
        for (const char c : text) digits = digits && std::isdigit(static_cast<unsigned char>(c));
        if (!digits)
            throw HttpError::bad_field("Content-Length", fmt::format("Content-Length '{}' is not a byte count", shown(text)));
        const std::size_t value = std::stoull(text);
        if (length && *length != value)
            throw HttpError::bad_field("Content-Length", "the request has two different Content-Length headers");
        length = value;
    }
    if (length && *length > max_body)
        throw HttpError(413, "Payload Too Large",
                        fmt::format("the request body ({} bytes) is larger than this server accepts ({} bytes, serve "
                                    "--max-body)",
                                    *length, max_body));
    if (!length && (method == "POST" || method == "PUT" || method == "PATCH"))
        throw HttpError(411, "Length Required", "send the body with a Content-Length header");
    return length.value_or(0);
}

void check_request_encoding(std::string_view path, const std::multimap<std::string, std::string>& params,
                            std::string_view body) {
    check_utf8("path", "the path", path);
    for (const auto& [name, value] : params) {
        check_utf8("query", "a query parameter name", name);
        check_utf8(valid_utf8(name) ? name : "query", fmt::format("query parameter '{}'", printable_utf8(name)), value);
    }
    check_utf8("body", "the body", body);
}

void check_json_nesting(std::string_view text, int max_depth) {
    int depth = 0;
    bool in_string = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (in_string) {
            if (c == '\\') ++i;
            else if (c == '"') in_string = false;
            continue;
        }
        if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            if (++depth > max_depth)
                throw HttpError::bad_field("body", fmt::format("the JSON nests deeper than {} levels", max_depth));
        } else if ((c == ']' || c == '}') && depth > 0) {
            --depth;
        }
    }
}

std::optional<std::string> bearer_token(std::string_view value) {
    const auto space = [](char c) { return c == ' ' || c == '\t'; };
    while (!value.empty() && space(value.front())) value.remove_prefix(1);
    while (!value.empty() && space(value.back())) value.remove_suffix(1);
    constexpr std::string_view k_scheme = "bearer";
    if (value.size() <= k_scheme.size() || !space(value[k_scheme.size()])) return std::nullopt;
    for (std::size_t i = 0; i < k_scheme.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(value[i])) != k_scheme[i]) return std::nullopt;
    value.remove_prefix(k_scheme.size());
    while (!value.empty() && space(value.front())) value.remove_prefix(1);
    if (value.empty()) return std::nullopt;
    return std::string(value);
}

}  // namespace powerml::server
