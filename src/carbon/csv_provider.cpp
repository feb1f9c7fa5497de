#include "powerml/carbon/csv_provider.hpp"

#include <algorithm>
#include <cctype>
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

int find_column(const std::vector<std::string>& header, std::initializer_list<std::string_view> needles) {
    for (std::size_t i = 0; i < header.size(); ++i) {
        const std::string h = lower(header[i]);
        for (auto n : needles)
            if (h.find(n) != std::string::npos) return static_cast<int>(i);
    }
    return -1;
}

}  // namespace

CsvProvider::CsvProvider(std::string path, FactorBasis basis) : m_path(std::move(path)), m_basis(basis) {}

IntensitySeries CsvProvider::parse(const std::string& text, const std::string& label, const std::string& zone,
                                   FactorBasis basis) {
    IntensitySeries s;
    s.zone = zone;
    s.basis = basis;
    s.provider = "csv:" + label;
    std::vector<std::string> header;
    int time_col = -1, value_col = -1, zone_col = -1, est_col = -1;
    double factor = 1.0;
    bool em_format = false;
    std::map<UtcMillis, std::pair<double, PointKind>> rows;
    long duplicates = 0, revised = 0;
    std::string seen_zone;

    csv::for_each_line(text, [&](std::string_view line, long no) {
        if (csv::trim(line).empty() || line.front() == '#') return true;
        auto f = csv::split(line);
        if (header.empty()) {
            header = f;
            if (!header.empty() && header[0].rfind("\xEF\xBB\xBF", 0) == 0) header[0].erase(0, 3);  // UTF-8 BOM
            time_col = find_column(header, {"datetime", "time", "timestamp", "date", "from", "point_time"});
            em_format = find_column(header, {"zone id"}) >= 0 && find_column(header, {"(lca)"}) >= 0;
            if (em_format) {
                value_col = find_column(header, {basis == FactorBasis::lifecycle ? "(lca)" : "(direct)"});
                zone_col = find_column(header, {"zone id"});
                est_col = find_column(header, {"data estimated"});
                s.attribution = "Electricity Maps";
                s.licence = "ODbL-1.0";
            } else {
                for (std::size_t i = 0; i < header.size(); ++i)
                    if (static_cast<int>(i) != time_col && value_col < 0) value_col = static_cast<int>(i);
                if (find_column(header, {"value", "intensity", "moer", "aoer", "co2"}) >= 0)
                    value_col = find_column(header, {"value", "intensity", "moer", "aoer", "co2"});
                if (value_col == time_col) value_col = -1;
                if (value_col >= 0) factor = unit_factor(header[static_cast<std::size_t>(value_col)]);
            }
            if (time_col < 0 || value_col < 0)
                throw Error(label + ":" + std::to_string(no) +
                            ": header needs a time column and a value column (e.g. 'time,value' or an Electricity Maps "
                            "export)");
            return true;
        }
        const auto at = [&](int col) -> std::string_view {
            if (col >= static_cast<int>(f.size()))
                throw Error(fmt::format("{}:{}: expected {} columns, found {}", label, no, header.size(), f.size()));
            return csv::trim(f[static_cast<std::size_t>(col)]);
        };
        if (zone_col >= 0) {
            const std::string z(at(zone_col));
            if (!zone.empty() && lower(z) != lower(zone)) return true;
            if (seen_zone.empty()) seen_zone = z;
        }
        UtcMillis t = 0;
        try {
            t = parse_rfc3339(at(time_col));
        } catch (const Error& e) {
            throw Error(fmt::format("{}:{}: {}", label, no, e.what()));
        }
        double v = 0;
        if (!csv::to_double(at(value_col), v))
            throw Error(fmt::format("{}:{}: value '{}' is not a number", label, no, at(value_col)));
        v *= factor;
        if (v < 0 || v > 5000)
            throw Error(fmt::format("{}:{}: intensity {} gCO2eq/kWh is outside 0..5000; check the unit", label, no, v));
        PointKind kind = PointKind::measured;
        if (est_col >= 0 && lower(at(est_col)) == "true") kind = PointKind::estimated;
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
        throw Error(zone.empty() || zone_col < 0 ? label + ": no data rows"
                                                 : label + ": no rows for zone '" + zone + "'");
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
    std::ostringstream ss;
    ss << in.rdbuf();
    IntensitySeries all = parse(ss.str(), m_path, zone, m_basis);
    IntensitySeries out = all;
    out.points.clear();
    for (const auto& p : all.points)
        if (p.end() > from && p.start < to) out.points.push_back(p);
    if (out.zone.empty()) out.zone = zone;
    return out;
}

}  // namespace powerml::carbon
