#include "powerml/sensors/meter_log.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <sstream>

#include "powerml/core/error.hpp"
#include "powerml/core/paths.hpp"

namespace powerml::sensors {

namespace {

std::string trim(std::string s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
    std::size_t i = 0;
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    s.erase(0, i);
    if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
    return s;
}

std::vector<std::string> split(const std::string& line, char sep) {
    std::vector<std::string> out;
    std::string field;
    std::istringstream in(line);
    while (std::getline(in, field, sep)) out.push_back(trim(field));
    if (!line.empty() && line.back() == sep) out.emplace_back();
    return out;
}

bool parse_double(const std::string& text, double& value) {
    if (text.empty()) return false;
    char* end = nullptr;
    value = std::strtod(text.c_str(), &end);
    return end == text.c_str() + text.size() && std::isfinite(value);
}

std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

UtcMillis parse_time(const std::string& text) {
    double number = 0;
    UtcMillis t = 0;
    if (parse_double(text, number)) {
        // Unix seconds, or milliseconds when too large to be seconds (after year 5138). Out of
        // range (1e300, negative) is refused before any conversion: the cast would be undefined.
        t = utc_from_unix_seconds(number > 1e11 ? number / 1000.0 : number);
    } else {
        t = parse_rfc3339(text);
    }
    if (t < k_min_utc_ms || t > k_max_utc_ms) throw Error("'" + text + "' is before 1970");
    return t;
}

}  // namespace

MeterLog MeterLog::parse_csv(std::string_view text, const std::string& origin) {
    MeterLog log;
    std::istringstream in{std::string(text)};
    std::string line;
    int line_no = 0;
    int time_col = 0, watts_col = 1;
    bool first = true;
    char sep = ',';
    while (std::getline(in, line)) {
        ++line_no;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (trim(line).empty() || line[0] == '#') continue;
        if (first) {
            first = false;
            if (line.find(';') != std::string::npos && line.find(',') == std::string::npos) sep = ';';
            const auto fields = split(line, sep);
            double ignored = 0;
            bool header = fields.size() >= 2 && !parse_double(fields[1], ignored);
            if (header) {
                time_col = watts_col = -1;
                for (int i = 0; i < static_cast<int>(fields.size()); ++i) {
                    const std::string name = lower(fields[static_cast<std::size_t>(i)]);
                    if (time_col < 0 && (name == "time" || name == "timestamp" || name == "datetime" || name == "date" ||
                                         name.rfind("time", 0) == 0))
                        time_col = i;
                    if (watts_col < 0 && (name == "watts" || name == "power" || name == "w" || name == "apower" ||
                                          name == "power_w" || name == "power (w)" || name == "watt"))
                        watts_col = i;
                }
                if (time_col < 0 || watts_col < 0)
                    throw Error(origin + ":" + std::to_string(line_no) +
                                ": header needs a time column (time, timestamp, datetime) and a watts column "
                                "(watts, power, w, apower, power_w)");
                continue;
            }
        }
        const auto fields = split(line, sep);
        const auto need = static_cast<std::size_t>(std::max(time_col, watts_col));
        if (fields.size() <= need)
            throw Error(origin + ":" + std::to_string(line_no) + ": expected at least " + std::to_string(need + 1) +
                        " fields, found " + std::to_string(fields.size()));
        MeterRow row;
        try {
            row.time = parse_time(fields[static_cast<std::size_t>(time_col)]);
        } catch (const Error& e) {
            throw Error(origin + ":" + std::to_string(line_no) + ": time: " + e.what());
        }
        // A wall meter reads a plug, a PDU or a rack: 10 MW is beyond any of them.
        if (!parse_double(fields[static_cast<std::size_t>(watts_col)], row.watts) || row.watts < 0 || row.watts > 1e7)
            throw Error(origin + ":" + std::to_string(line_no) + ": watts: '" + fields[static_cast<std::size_t>(watts_col)].substr(0, 40) +
                        "' is not a number of watts from 0 to 10000000");
        log.m_rows.push_back(row);
    }
    if (log.m_rows.empty()) throw Error(origin + ": no meter readings found");
    std::stable_sort(log.m_rows.begin(), log.m_rows.end(), [](const auto& a, const auto& b) { return a.time < b.time; });
    std::vector<double> gaps;
    for (std::size_t i = 1; i < log.m_rows.size(); ++i)
        if (log.m_rows[i].time > log.m_rows[i - 1].time) gaps.push_back((log.m_rows[i].time - log.m_rows[i - 1].time) / 1000.0);
    if (!gaps.empty()) {
        std::nth_element(gaps.begin(), gaps.begin() + static_cast<long>(gaps.size() / 2), gaps.end());
        log.m_step_s = gaps[gaps.size() / 2];
    }
    return log;
}

MeterLog MeterLog::load(const std::filesystem::path& file) {
    // A year of 1 s readings is about 1.5 GB; a log past this is refused, not read into memory.
    return parse_csv(paths::read_input_file(file, std::size_t{512} << 20, "meter log"), file.string());
}

double MeterLog::interval_end_s(std::size_t i) const {
    const double start = m_rows[i].time / 1000.0;
    const double cap = start + 2.0 * m_step_s;
    if (i + 1 < m_rows.size()) return std::min(m_rows[i + 1].time / 1000.0, cap);
    return start + m_step_s;
}

MeterWindow MeterLog::window(UtcMillis start, UtcMillis end, double offset_s) const {
    MeterWindow w;
    const double from = start / 1000.0, to = end / 1000.0;
    // Rows are sorted and last at most 2 steps: start a little before the window, stop after it.
    const auto first_ms = static_cast<UtcMillis>(std::floor((from + offset_s - 2.0 * m_step_s) * 1000.0)) - 1;
    auto it = std::lower_bound(m_rows.begin(), m_rows.end(), first_ms,
                               [](const MeterRow& r, UtcMillis t) { return r.time < t; });
    for (auto i = static_cast<std::size_t>(it - m_rows.begin()); i < m_rows.size(); ++i) {
        if (m_rows[i].time / 1000.0 - offset_s >= to) break;
        const double a = std::max(from, m_rows[i].time / 1000.0 - offset_s);
        const double b = std::min(to, interval_end_s(i) - offset_s);
        if (b <= a) continue;
        w.energy_j += m_rows[i].watts * (b - a);
        w.covered_s += b - a;
        ++w.rows;
    }
    w.gap_s = std::max(0.0, (to - from) - w.covered_s);
    w.mean_power_w = w.covered_s > 0 ? w.energy_j / w.covered_s : 0.0;
    return w;
}

std::vector<PowerPair> MeterLog::pair_with(const std::vector<TimedPower>& sensor_power, double offset_s) const {
    std::vector<PowerPair> pairs;
    for (std::size_t i = 0; i < m_rows.size(); ++i) {
        const double a = m_rows[i].time / 1000.0 - offset_s, b = interval_end_s(i) - offset_s;
        double sum = 0;
        int n = 0;
        for (const auto& s : sensor_power) {
            const double t = s.time / 1000.0;
            if (t >= a && t < b && std::isfinite(s.watts)) {
                sum += s.watts;
                ++n;
            }
        }
        if (n > 0) pairs.push_back(PowerPair{m_rows[i].time, sum / n, m_rows[i].watts});
    }
    return pairs;
}

}  // namespace powerml::sensors
