#pragma once
// Small CSV helpers shared by the carbon readers (internal header). Fields may be quoted
// with "" escaping; lines end in \n or \r\n.
#include <charconv>
#include <string>
#include <string_view>
#include <vector>

namespace powerml::carbon::csv {

// Splits one line into fields, honouring double quotes.
inline std::vector<std::string> split(std::string_view line) {
    std::vector<std::string> out;
    std::string field;
    bool quoted = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (quoted) {
            if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
                field += '"';
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                field += c;
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            out.push_back(std::move(field));
            field.clear();
        } else {
            field += c;
        }
    }
    out.push_back(std::move(field));
    return out;
}

inline std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

// Parses a whole field as a finite double; false on anything else (empty, text, trailing junk).
inline bool to_double(std::string_view s, double& out) {
    s = trim(s);
    if (s.empty()) return false;
    const auto r = std::from_chars(s.data(), s.data() + s.size(), out);
    return r.ec == std::errc() && r.ptr == s.data() + s.size() && out == out && out < 1e300 && out > -1e300;
}

// Iterates lines of `text`, calling f(line_without_eol, line_number starting at 1).
template <typename F>
void for_each_line(std::string_view text, F&& f) {
    std::size_t pos = 0;
    long line_no = 0;
    while (pos < text.size()) {
        std::size_t nl = text.find('\n', pos);
        if (nl == std::string_view::npos) nl = text.size();
        std::string_view line = text.substr(pos, nl - pos);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        ++line_no;
        if (!f(line, line_no)) return;
        pos = nl + 1;
    }
}

}  // namespace powerml::carbon::csv
