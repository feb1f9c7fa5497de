#include "powerml/carbon/csv_provider.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include <fmt/format.h>

#include "csv_text.hpp"
#include "powerml/core/error.hpp"
#include "powerml/core/units.hpp"

namespace powerml::carbon {

namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// Factor from the value column's unit to gCO2eq/kWh, or 0 when the header is not a value.
double unit_factor(const std::string& header) {
    const std::string h = lower(header);
    if (h.find("lbs/mwh") != std::string::npos || h.find("lb/mwh") != std::string::npos)
        return units::k_g_per_kwh_per_lbs_per_mwh;
    if (h.find("kg/mwh") != std::string::npos || h.find("kgco2") != std::string::npos) return 1.0;
    if (h.find("g/mwh") != std::string::npos) return 1e-3;
    return 1.0;
}

bool has(const std::string& h, std::string_view needle) { return h.find(needle) != std::string::npos; }

// What a header column means, recognised by its name in every spelling found documented:
// Electricity Maps data-portal exports (2021-23: "Zone Id", "Carbon Intensity gCO₂eq/kWh (LCA)",
// "Low Carbon Percentage", "Data Estimated"; 2024-: "Zone id", "Carbon intensity gCO₂eq/kWh
// (Life cycle)", "Carbon-free energy percentage (CFE%)", "Data estimated"; some without one
// of the estimation columns; any column order) and plain `time,value` files.
enum class Meaning { time, zone_id, zone_name, country, lifecycle, direct, estimated, estimation_method, other_known, value, unknown };

Meaning meaning_of(const std::string& raw) {
    const std::string h = lower(csv::trim(raw));
    if (h == "datetime (utc)" || h == "datetime" || h == "time" || h == "timestamp" || h == "date" || h == "from" ||
        h == "point_time" || h == "time (utc)" || h == "datetime_utc")
        return Meaning::time;
    if (h == "zone id" || h == "zone_id" || h == "zoneid" || h == "zone") return Meaning::zone_id;
    if (h == "zone name" || h == "zone_name") return Meaning::zone_name;
    if (h == "country") return Meaning::country;
    if (has(h, "carbon intensity") || has(h, "carbon_intensity")) {
        if (has(h, "(lca)") || has(h, "(life cycle)") || has(h, "(lifecycle)") || has(h, "life_cycle")) return Meaning::lifecycle;
        if (has(h, "(direct)") || has(h, "_direct")) return Meaning::direct;
    }
    if (h == "data estimated" || h == "is estimated" || h == "isestimated" || h == "data_estimated") return Meaning::estimated;
    if (h == "data estimation method" || h == "estimation method" || h == "estimationmethod" || h == "data_estimation_method")
        return Meaning::estimation_method;
    if (h == "low carbon percentage" || h == "renewable percentage" || h == "data source" || has(h, "(cfe%)") ||
        has(h, "(re%)") || h == "carbon-free energy percentage" || h == "renewable energy percentage")
        return Meaning::other_known;
    if (has(h, "value") || has(h, "intensity") || has(h, "moer") || has(h, "aoer") || has(h, "co2") || has(h, "/kwh") ||
        has(h, "/mwh"))
        return Meaning::value;
    return Meaning::unknown;
}

struct Columns {
    int time = -1, value = -1, zone_id = -1, zone_name = -1, estimated = -1, method = -1;
    bool electricity_maps = false;
    double factor = 1.0;
};

std::string quoted_list(const std::vector<std::string>& header) {
    std::string out;
    for (const auto& h : header) out += (out.empty() ? "'" : ", '") + std::string(csv::trim(h)) + "'";
    return out;
}

Columns read_header(const std::vector<std::string>& header, FactorBasis basis, const std::string& where) {
    Columns c;
    int lifecycle = -1, direct = -1;
    std::vector<int> values;
    std::vector<std::string> unknown;
    auto set = [&](int& slot, int i, const char* what) {
        if (slot >= 0)
            throw Error(fmt::format("{}: two {} columns ('{}' and '{}'); columns seen: {}", where, what, header[slot], header[i],
                                    quoted_list(header)));
        slot = i;
    };
    for (int i = 0; i < static_cast<int>(header.size()); ++i) {
        switch (meaning_of(header[i])) {
            case Meaning::time: set(c.time, i, "time"); break;
            case Meaning::zone_id: set(c.zone_id, i, "zone id"); break;
            case Meaning::zone_name: set(c.zone_name, i, "zone name"); break;
            case Meaning::lifecycle: set(lifecycle, i, "lifecycle intensity"); break;
            case Meaning::direct: set(direct, i, "direct intensity"); break;
            case Meaning::estimated: set(c.estimated, i, "estimated-flag"); break;
            case Meaning::estimation_method: set(c.method, i, "estimation-method"); break;
            case Meaning::value: values.push_back(i); break;
            case Meaning::country:
            case Meaning::other_known: break;
            case Meaning::unknown: unknown.push_back(std::string(csv::trim(header[i]))); break;
        }
    }
    c.electricity_maps = lifecycle >= 0 || direct >= 0;
    if (c.time < 0)
        throw Error(fmt::format("{}: no time column (e.g. 'Datetime (UTC)' or 'time'); columns seen: {}", where, quoted_list(header)));
    if (c.electricity_maps) {
        c.value = basis == FactorBasis::lifecycle ? lifecycle : direct;
        if (c.value < 0)
            throw Error(fmt::format("{}: no {} intensity column (the file has only the {} one); columns seen: {}", where,
                                    to_string(basis), basis == FactorBasis::lifecycle ? "direct" : "lifecycle", quoted_list(header)));
        if (!values.empty() || !unknown.empty()) {
            std::vector<std::string> odd = unknown;
            for (int i : values) odd.push_back(std::string(csv::trim(header[i])));
            throw Error(fmt::format("{}: Electricity Maps header with columns PowerML cannot interpret ({}); columns seen: {}",
                                    where, fmt::join(odd, ", "), quoted_list(header)));
        }
        return c;
    }
    if (values.size() != 1 || !unknown.empty())
        throw Error(fmt::format("{}: header needs one time column and one value column (e.g. 'time,value' or an Electricity "
                                "Maps export); {}; columns seen: {}",
                                where,
                                fmt::format("{}{}",
                                            values.empty()     ? "no column names an intensity value"
                                            : values.size() > 1 ? "more than one column could be the value"
                                                                : "",
                                            unknown.empty() ? std::string()
                                                            : fmt::format("{}cannot interpret {}", values.size() == 1 ? "" : ", ",
                                                                          fmt::join(unknown, ", "))),
                                quoted_list(header)));
    c.value = values.front();
    c.factor = unit_factor(header[static_cast<std::size_t>(c.value)]);
    return c;
}

}  // namespace

CsvProvider::CsvProvider(std::string path, FactorBasis basis, std::size_t max_bytes)
    : m_path(std::move(path)), m_basis(basis), m_max_bytes(max_bytes) {}

IntensitySeries CsvProvider::parse(const std::string& text, const std::string& label, const std::string& zone,
                                   FactorBasis basis) {
    IntensitySeries s;
    s.zone = zone;
    s.basis = basis;
    s.provider = "csv:" + label;
    std::vector<std::string> header;
    Columns col;
    std::map<UtcMillis, std::pair<double, PointKind>> rows;
    long duplicates = 0, revised = 0;
    std::string seen_zone;
    std::vector<std::string> zones_in_file;

    csv::for_each_line(text, [&](std::string_view line, long no) {
        if (csv::trim(line).empty() || line.front() == '#') return true;
        auto f = csv::split(line);
        if (header.empty()) {
            header = f;
            if (!header.empty() && header[0].rfind("\xEF\xBB\xBF", 0) == 0) header[0].erase(0, 3);  // UTF-8 BOM
            col = read_header(header, basis, label + ":" + std::to_string(no));
            if (col.electricity_maps) {
                s.attribution = "Electricity Maps";
                s.licence = "ODbL-1.0";
            }
            return true;
        }
        const auto at = [&](int c) -> std::string_view {
            if (c >= static_cast<int>(f.size()))
                throw Error(fmt::format("{}:{}: expected {} columns, found {}", label, no, header.size(), f.size()));
            return csv::trim(f[static_cast<std::size_t>(c)]);
        };
        if (col.zone_id >= 0 || col.zone_name >= 0) {
            const std::string id(col.zone_id >= 0 ? at(col.zone_id) : std::string_view());
            const std::string name(col.zone_name >= 0 ? at(col.zone_name) : std::string_view());
            const std::string z = id.empty() ? name : id;
            if (std::find(zones_in_file.begin(), zones_in_file.end(), z) == zones_in_file.end()) zones_in_file.push_back(z);
            if (!zone.empty() && lower(id) != lower(zone) && lower(name) != lower(zone)) return true;
            if (seen_zone.empty()) seen_zone = z;
            if (zone.empty() && z != seen_zone)
                throw Error(fmt::format("{}: the file holds more than one zone ({}, {}); name the zone to read (--zone)", label,
                                        seen_zone, z));
        }
        UtcMillis t = 0;
        try {
            t = parse_rfc3339(at(col.time));
        } catch (const Error& e) {
            throw Error(fmt::format("{}:{}: {}", label, no, e.what()));
        }
        double v = 0;
        if (!csv::to_double(at(col.value), v))
            throw Error(fmt::format("{}:{}: value '{}' is not a number", label, no, at(col.value)));
        v *= col.factor;
        if (v < 0 || v > 5000)
            throw Error(fmt::format("{}:{}: intensity {} gCO2eq/kWh is outside 0..5000; check the unit", label, no, v));
        PointKind kind = PointKind::measured;
        if (col.estimated >= 0) {
            const std::string e = lower(at(col.estimated));
            if (e == "true" || e == "1" || e == "yes") kind = PointKind::estimated;
            else if (!e.empty() && e != "false" && e != "0" && e != "no")
                throw Error(fmt::format("{}:{}: '{}' is '{}', not true or false", label, no, header[col.estimated], at(col.estimated)));
        } else if (col.method >= 0 && !at(col.method).empty()) {
            kind = PointKind::estimated;  // only an estimation-method column: a method named means estimated
        }
        auto [it, inserted] = rows.try_emplace(t, v, kind);
        if (!inserted) {
            ++duplicates;
            if (it->second.first != v) ++revised;
            it->second = {v, kind};  // the later row is the revision
        }
        return true;
    });
    if (header.empty()) throw Error(label + ": empty file; expected a header and rows");
    if (rows.empty())
        throw Error(zone.empty() || zones_in_file.empty()
                        ? label + ": no data rows"
                        : fmt::format("{}: no rows for zone '{}'; the file holds {}", label, zone, fmt::join(zones_in_file, ", ")));
    if (!seen_zone.empty()) s.zone = seen_zone;

    // Resolution: the most common step between consecutive times.
    std::map<UtcMillis, int> steps;
    for (auto a = rows.begin(), b = std::next(rows.begin()); b != rows.end(); ++a, ++b) steps[b->first - a->first]++;
    UtcMillis step = 3'600'000;
    int best = 0;
    for (auto [d, n] : steps)
        if (n > best) best = n, step = d;
    long gaps = 0;
    for (auto it = rows.begin(); it != rows.end(); ++it) {
        const auto next = std::next(it);
        UtcMillis dur = step;
        if (next != rows.end()) {
            dur = std::min(step, next->first - it->first);
            if (next->first - it->first > step) ++gaps;
        }
        s.points.push_back({it->first, dur / 1000.0, it->second.first, it->second.second});
    }
    std::vector<std::string> notes;
    if (duplicates) notes.push_back(fmt::format("{} repeated times ({} with a different value): the later row kept", duplicates, revised));
    if (gaps) notes.push_back(fmt::format("{} gaps in the data left uncovered", gaps));
    s.note = fmt::format("{}", fmt::join(notes, "; "));
    return s;
}

IntensitySeries CsvProvider::fetch(const std::string& zone, UtcMillis from, UtcMillis to) {
    std::ifstream in(m_path, std::ios::binary);
    if (!in) throw Error("cannot open CSV file '" + m_path + "' given with --source csv:PATH");
    // Read at most m_max_bytes: a device or a runaway file (csv:/dev/zero) ends with an error.
    std::string text;
    char buf[65536];
    while (in) {
        in.read(buf, sizeof buf);
        const auto n = static_cast<std::size_t>(in.gcount());
        if (n == 0) break;
        if (std::memchr(buf, '\0', n))
            throw Error("'" + m_path + "' holds NUL bytes: it is not a CSV text file (--source csv:PATH)");
        if (text.size() + n > m_max_bytes)
            throw Error(fmt::format("'{}' is larger than {}, the most PowerML reads from a CSV source; cut it to the "
                                    "range you need",
                                    m_path, m_max_bytes >= (1u << 20) ? fmt::format("{} MiB", m_max_bytes >> 20)
                                                                      : fmt::format("{} bytes", m_max_bytes)));
        text.append(buf, n);
    }
    IntensitySeries all = parse(text, m_path, zone, m_basis);
    IntensitySeries out = all;
    out.points.clear();
    for (const auto& p : all.points)
        if (p.end() > from && p.start < to) out.points.push_back(p);
    if (out.zone.empty()) out.zone = zone;
    return out;
}

}  // namespace powerml::carbon
