#pragma once
// Internal helpers shared by the live providers.
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "powerml/carbon/intensity_series.hpp"
#include "powerml/core/error.hpp"
#include "powerml/core/time.hpp"

namespace powerml::carbon::detail {

// Parses a JSON body, or throws one sentence saying the provider sent something else.
inline nlohmann::json parse_json(const std::string& body, const std::string& provider, const std::string& what) {
    try {
        return nlohmann::json::parse(body);
    } catch (const nlohmann::json::exception&) {
        throw Error(fmt::format("{} sent a malformed answer for {} (not JSON, starts '{}'); the service may be "
                                "changing: try later or use --source embedded",
                                provider, what, body.substr(0, 40)));
    }
}

// RFC 3339, also without seconds ("2018-01-20T12:00Z", as the UK API writes it).
inline UtcMillis parse_api_time(const std::string& text) {
    if (text.size() == 17 && text[13] == ':' && (text[16] == 'Z' || text[16] == 'z'))
        return parse_rfc3339(text.substr(0, 16) + ":00Z");
    return parse_rfc3339(text);
}

// Time as the APIs take it: "2024-01-01T00:00:00Z".
inline std::string api_time(UtcMillis t) { return format_rfc3339(t); }

[[noreturn]] inline void shape_error(const std::string& provider, const std::string& what, const std::string& detail) {
    throw Error(fmt::format("{} sent an answer of an unexpected shape for {} ({}); try later or use --source embedded",
                            provider, what, detail));
}

// Sorts points, keeps the later of two with the same start (a revision), fixes overlaps.
inline void normalise(IntensitySeries& s) {
    std::stable_sort(s.points.begin(), s.points.end(),
                     [](const IntensityPoint& a, const IntensityPoint& b) { return a.start < b.start; });
    std::vector<IntensityPoint> out;
    for (const auto& p : s.points) {
        if (!out.empty() && out.back().start == p.start) {
            out.back() = p;
            continue;
        }
        if (!out.empty() && out.back().end() > p.start) out.back().duration_s = (p.start - out.back().start) / 1000.0;
        out.push_back(p);
    }
    s.points = std::move(out);
}

}  // namespace powerml::carbon::detail
