#include "powerml/server/query_params.hpp"

#include <cctype>

#include <fmt/format.h>

#include "powerml/core/error.hpp"
#include "powerml/server/http_error.hpp"

namespace powerml::server {

std::optional<std::string> QueryParams::one(const std::string& name) const {
    const auto [first, last] = m_params.equal_range(name);
    if (first == last) return std::nullopt;
    if (std::next(first) != last) throw HttpError::bad_field(name, fmt::format("'{}' is given more than once", name));
    return first->second;
}

std::optional<UtcMillis> QueryParams::time(const std::string& name) const {
    const auto text = one(name);
    if (!text) return std::nullopt;
    try {
        return parse_rfc3339(*text);
    } catch (const Error&) {
        throw HttpError::bad_field(
            name, fmt::format("'{}' is not an RFC 3339 time (e.g. 2024-06-01T12:00:00Z): '{}'", name, text->substr(0, 64)));
    }
}

std::optional<long> QueryParams::integer(const std::string& name, long min, long max) const {
    const auto text = one(name);
    if (!text) return std::nullopt;
    std::size_t used = 0;
    long value = 0;
    try {
        value = std::stol(*text, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used == 0 || used != text->size())
        throw HttpError::bad_field(name, fmt::format("'{}' must be a whole number: '{}'", name, text->substr(0, 32)));
    if (value < min || value > max)
        throw HttpError::bad_field(name, fmt::format("'{}' must be between {} and {} (got {})", name, min, max, value));
    return value;
}

void check_location_text(const std::string& field, const std::string& text) {
    if (text.empty()) throw HttpError::bad_field(field, "a location is empty");
    if (text.size() > 64) throw HttpError::bad_field(field, "a location is longer than 64 characters");
    for (const char c : text) {
        const bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == ':' || c == '/' ||
                        c == '.' || c == ' ';
        if (!ok)
            throw HttpError::bad_field(field, fmt::format("location '{}' has a character other than letters, digits, "
                                                          "'-', '_', ':', '/', '.' and spaces", text));
    }
}

std::vector<std::string> QueryParams::locations(std::size_t max) const {
    std::vector<std::string> out;
    for (const char* name : {"location", "locations"}) {
        const auto [first, last] = m_params.equal_range(name);
        for (auto it = first; it != last; ++it) {
            std::size_t start = 0;
            const std::string& v = it->second;
            while (start <= v.size()) {
                const std::size_t comma = v.find(',', start);
                const std::size_t end = comma == std::string::npos ? v.size() : comma;
                std::string item = v.substr(start, end - start);
                while (!item.empty() && item.front() == ' ') item.erase(item.begin());
                while (!item.empty() && item.back() == ' ') item.pop_back();
                check_location_text(name, item);
                out.push_back(std::move(item));
                if (comma == std::string::npos) break;
                start = comma + 1;
            }
        }
    }
    if (out.empty()) throw HttpError::bad_field("location", "The location field is required (location=ZONE, repeatable).");
    if (out.size() > max)
        throw HttpError::bad_field("location", fmt::format("at most {} locations per request (got {})", max, out.size()));
    return out;
}

}  // namespace powerml::server
