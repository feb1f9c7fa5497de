#include "powerml/carbon/series_json.hpp"

#include <array>
#include <cmath>

#include <nlohmann/json.hpp>

namespace powerml::carbon {
namespace {

// A string as dump() writes it (quoted, escaped, UTF-8 checked): fields written once per document.
void append_string(std::string& out, std::string_view s) { out += nlohmann::json(s).dump(); }

// A double as dump() writes it: the shortest form that reads back the same, "null" when not finite.
void append_number(std::string& out, double x) {
    if (!std::isfinite(x)) {
        out += "null";
        return;
    }
    std::array<char, 64> buffer;  // the size of nlohmann's own number buffer
    char* end = nlohmann::detail::to_chars(buffer.data(), buffer.data() + buffer.size(), x);
    out.append(buffer.data(), static_cast<std::size_t>(end - buffer.data()));
}

void append_field(std::string& out, std::string_view key, std::string_view value) {
    out += " \"";
    out += key;
    out += "\": ";
    append_string(out, value);
    out += ",\n";
}

}  // namespace

void append_series_json(std::string& out, const IntensitySeries& s) {
    // The kinds' quoted forms, made once per document rather than once per point.
    const std::array<std::string, 3> kinds = {nlohmann::json(to_string(PointKind::measured)).dump(),
                                              nlohmann::json(to_string(PointKind::estimated)).dump(),
                                              nlohmann::json(to_string(PointKind::forecast)).dump()};
    // ~110 bytes a point: one allocation for a year of hourly data.
    out.reserve(out.size() + 512 + s.note.size() + s.attribution.size() + s.points.size() * 112);
    // Keys in the order nlohmann's std::map keeps them (alphabetical).
    out += "{\n";
    append_field(out, "answered_by", s.answered_by);
    append_field(out, "attribution", s.attribution);
    append_field(out, "basis", to_string(s.basis));
    append_field(out, "licence", s.licence);
    append_field(out, "note", s.note);
    if (s.points.empty()) {
        out += " \"points\": [],\n";
    } else {
        out += " \"points\": [\n";
        bool first = true;
        for (const IntensityPoint& p : s.points) {
            out += first ? "  {\n   \"duration_s\": " : ",\n  {\n   \"duration_s\": ";
            first = false;
            append_number(out, p.duration_s);
            out += ",\n   \"kind\": ";
            out += kinds[static_cast<std::size_t>(p.kind)];
            out += ",\n   \"time\": \"";
            out += format_rfc3339(p.start);  // digits, '-', ':', 'T', '.', 'Z': nothing to escape
            out += "\",\n   \"value\": ";
            append_number(out, p.g_per_kwh);
            out += "\n  }";
        }
        out += "\n ],\n";
    }
    append_field(out, "signal", to_string(s.signal));
    append_field(out, "source", s.provider);
    append_field(out, "unit", "gCO2eq/kWh");
    out += " \"zone\": ";
    append_string(out, s.zone);
    out += "\n}";
}

}  // namespace powerml::carbon
