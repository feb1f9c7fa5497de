#include "powerml/carbon/entsoe_provider.hpp"

#include <algorithm>
#include <cstdlib>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "csv_text.hpp"
#include "provider_util.hpp"

namespace powerml::carbon {

namespace {

// Text between <tag> and </tag> at or after `pos` (tags may carry a namespace prefix-free
// name only, as ENTSO-E documents do). Returns npos-marked empty when absent.
bool find_element(std::string_view xml, std::string_view tag, std::size_t from, std::size_t limit, std::string_view& inner,
                  std::size_t& after) {
    const std::string open = "<" + std::string(tag);
    const std::string close = "</" + std::string(tag) + ">";
    std::size_t a = xml.find(open, from);
    while (a != std::string_view::npos && a < limit) {
        const char next = a + open.size() < xml.size() ? xml[a + open.size()] : '\0';
        if (next == '>' || next == ' ') break;  // not a longer tag name with the same prefix
        a = xml.find(open, a + 1);
    }
    if (a == std::string_view::npos || a >= limit) return false;
    const std::size_t gt = xml.find('>', a);
    const std::size_t b = xml.find(close, gt);
    if (gt == std::string_view::npos || b == std::string_view::npos || b > limit) return false;
    inner = xml.substr(gt + 1, b - gt - 1);
    after = b + close.size();
    return true;
}

std::string_view child(std::string_view xml, std::string_view tag) {
    std::string_view inner;
    std::size_t after = 0;
    return find_element(xml, tag, 0, xml.size(), inner, after) ? csv::trim(inner) : std::string_view();
}

// Text content with the XML entities decoded: the five predefined ones and numeric
// character references (&#233; &#xE9;), written out as UTF-8. Anything else is left as is.
std::string decode_entities(std::string_view in) {
    std::string out;
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (in[i] != '&') {
            out += in[i];
            continue;
        }
        const std::size_t semi = in.find(';', i);
        if (semi == std::string_view::npos || semi - i > 10) {
            out += in[i];
            continue;
        }
        const std::string_view name = in.substr(i + 1, semi - i - 1);
        long code = -1;
        if (name == "amp") code = '&';
        else if (name == "lt") code = '<';
        else if (name == "gt") code = '>';
        else if (name == "quot") code = '"';
        else if (name == "apos") code = '\'';
        else if (name.size() > 1 && name[0] == '#') {
            const bool hex = name[1] == 'x' || name[1] == 'X';
            const std::string digits(name.substr(hex ? 2 : 1));
            char* end = nullptr;
            const long v = digits.empty() ? -1 : std::strtol(digits.c_str(), &end, hex ? 16 : 10);
            if (end && *end == '\0' && v > 0 && v <= 0x10FFFF) code = v;
        }
        if (code < 0) {
            out += in[i];
            continue;
        }
        const auto c = static_cast<unsigned long>(code);
        if (c < 0x80) {
            out += static_cast<char>(c);
        } else if (c < 0x800) {
            out += static_cast<char>(0xC0 | (c >> 6));
            out += static_cast<char>(0x80 | (c & 0x3F));
        } else if (c < 0x10000) {
            out += static_cast<char>(0xE0 | (c >> 12));
            out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (c & 0x3F));
        } else {
            out += static_cast<char>(0xF0 | (c >> 18));
            out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
            out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (c & 0x3F));
        }
        i = semi;
    }
    return out;
}

double resolution_s(std::string_view r) {
    if (r == "PT15M") return 900;
    if (r == "PT30M") return 1800;
    if (r == "PT60M" || r == "PT1H") return 3600;
    throw Error("entsoe sent resolution '" + std::string(r) + "'; PowerML reads PT15M, PT30M and PT60M");
}

}  // namespace

EntsoeProvider::EntsoeProvider(std::string base_url, std::string key, EmissionFactors factors, HttpOptions http)
    : m_http("entsoe", std::move(base_url), http), m_key(std::move(key)), m_factors(std::move(factors)) {
    if (m_key.empty())
        throw Error("entsoe needs a security token: set provider.entsoe.key or POWERML_PROVIDER_ENTSOE_KEY");
}

std::string EntsoeProvider::eic_code(const std::string& zone) {
    // Bidding zones of the ENTSO-E transparency platform (public EIC codes).
    static const std::map<std::string, std::string> k_eic = {
        {"DE", "10Y1001A1001A82H"}, {"DE-LU", "10Y1001A1001A82H"}, {"FR", "10YFR-RTE------C"},
        {"ES", "10YES-REE------0"}, {"NL", "10YNL----------L"},  {"BE", "10YBE----------2"},
        {"AT", "10YAT-APG------L"}, {"PL", "10YPL-AREA-----S"},  {"CZ", "10YCZ-CEPS-----N"},
        {"PT", "10YPT-REN------W"}, {"CH", "10YCH-SWISSGRIDZ"},  {"DK-DK1", "10YDK-1--------W"},
        {"DK-DK2", "10YDK-2--------M"}, {"FI", "10YFI-1--------U"}, {"SE-SE3", "10Y1001A1001A46L"},
        {"NO-NO1", "10YNO-1--------2"}, {"IE", "10YIE-1001A00010"}, {"IT-NO", "10Y1001A1001A73I"},
    };
    if (auto it = k_eic.find(zone); it != k_eic.end()) return it->second;
    if (zone.size() == 16 && zone.rfind("10Y", 0) == 0) return zone;
    throw Error("entsoe: no EIC code known for zone '" + zone + "'; pass the 16-character EIC code (10Y...) as --zone");
}

IntensitySeries EntsoeProvider::parse_a75(const std::string& xml_text, const EmissionFactors& factors,
                                          const std::string& zone) {
    const std::string_view xml = xml_text;
    if (xml.find("Acknowledgement_MarketDocument") != std::string_view::npos) {
        const std::string reason = decode_entities(child(child(xml, "Reason"), "text"));
        throw Error(fmt::format("entsoe refused the request: {}", reason.empty() ? "no reason given" : reason));
    }
    if (xml.find("GL_MarketDocument") == std::string_view::npos)
        throw Error("entsoe sent a malformed answer (not an A75 GL_MarketDocument); try later or use --source embedded");
    // start -> production type -> MW
    std::map<UtcMillis, std::map<std::string, double>> mix;
    std::map<UtcMillis, double> step_s;
    std::size_t pos = 0;
    std::string_view ts;
    std::size_t after = 0;
    int series = 0;
    // A year of 15-minute values for every production type the platform knows (about 25).
    const long most_expanded = 366L * 24 * 4 * 25;
    long expanded = 0;
    while (find_element(xml, "TimeSeries", pos, xml.size(), ts, after)) {
        pos = after;
        ++series;
        if (!child(ts, "outBiddingZone_Domain.mRID").empty()) continue;  // consumption (pumping), not generation
        const std::string psr(child(child(ts, "MktPSRType"), "psrType"));
        if (psr.empty()) throw Error(fmt::format("entsoe answer: TimeSeries {} has no psrType", series));
        // Curve type (ENTSO-E implementation guides): A01 sequential fixed-size blocks, each
        // position its own interval; A02 points, one value per listed position, likewise; A03
        // variable-sized blocks, where a position left out repeats the previous one's value
        // up to the next listed position or the end of the Period. A01 when absent.
        const std::string curve(child(ts, "curveType"));
        if (!curve.empty() && curve != "A01" && curve != "A02" && curve != "A03")
            throw Error(fmt::format("entsoe answer: TimeSeries {} has curveType {}; PowerML reads A01, A02 and A03", series, curve));
        const bool carry_forward = curve == "A03";
        std::size_t ppos = 0;
        std::string_view period;
        std::size_t pafter = 0;
        while (find_element(ts, "Period", ppos, ts.size(), period, pafter)) {
            ppos = pafter;
            const auto interval = child(period, "timeInterval");
            const std::string start_text(child(interval, "start"));
            if (start_text.empty()) throw Error(fmt::format("entsoe answer: Period without start in TimeSeries {}", series));
            const UtcMillis start = detail::parse_api_time(start_text);
            const double res = resolution_s(child(period, "resolution"));
            // How many positions the Period holds: (end - start) / resolution. A request covers
            // at most a year, so no Period can hold more than a year of 15-minute positions; a
            // larger count or position is a damaged answer, refused before it is expanded.
            const long most_positions = 366L * 24 * 4;
            long positions = most_positions;
            const std::string end_text(child(interval, "end"));
            if (!end_text.empty()) {
                const double span = static_cast<double>(detail::parse_api_time(end_text) - start) / (res * 1000.0);
                if (!(span >= 1 && span <= static_cast<double>(most_positions)))
                    throw Error(fmt::format("entsoe answer: Period {} .. {} in TimeSeries {} is not 1 to {} steps of {} s",
                                            start_text, end_text, series, most_positions, res));
                positions = static_cast<long>(span);
            } else if (carry_forward) {
                throw Error(fmt::format("entsoe answer: curveType A03 Period without end in TimeSeries {}", series));
            }
            std::map<long, double> by_position;
            std::size_t qpos = 0;
            std::string_view point;
            std::size_t qafter = 0;
            while (find_element(period, "Point", qpos, period.size(), point, qafter)) {
                qpos = qafter;
                double position = 0, mw = 0;
                if (!csv::to_double(child(point, "position"), position) || !csv::to_double(child(point, "quantity"), mw) ||
                    !std::isfinite(mw))
                    throw Error(fmt::format("entsoe answer: Point without numeric position/quantity in TimeSeries {} ({})",
                                            series, psr));
                if (!(position >= 1 && position <= static_cast<double>(positions)) || position != std::floor(position))
                    throw Error(fmt::format("entsoe answer: Point position {} in TimeSeries {} ({}) is not a whole number from 1 to {}",
                                            child(point, "position"), series, psr, positions));
                by_position[static_cast<long>(position)] = mw;
            }
            for (auto it = by_position.begin(); it != by_position.end(); ++it) {
                const long last = !carry_forward ? it->first
                                  : std::next(it) != by_position.end() ? std::next(it)->first - 1
                                                                       : std::max(positions, it->first);
                expanded += last - it->first + 1;
                if (expanded > most_expanded)
                    throw Error(fmt::format("entsoe answer: more than {} generation values; a damaged answer", most_expanded));
                for (long k = it->first; k <= last; ++k) {
                    const UtcMillis t = start + static_cast<UtcMillis>((k - 1) * res * 1000.0);
                    mix[t][psr] += it->second;
                    step_s[t] = step_s.count(t) ? std::min(step_s[t], res) : res;
                }
            }
        }
    }
    IntensitySeries s;
    s.zone = zone;
    s.basis = factors.basis();
    s.provider = "entsoe";
    s.attribution = "ENTSO-E Transparency Platform; factors " + factors.name();
    s.licence = "ENTSO-E terms of use";
    long partial = 0;
    for (const auto& [t, m] : mix) {
        const auto r = factors.intensity(m);
        if (r.covered_mw <= 0) continue;
        if (r.uncovered_mw > 0) ++partial;
        s.points.push_back({t, step_s[t], r.g_per_kwh, PointKind::measured});
    }
    if (partial) s.note = fmt::format("{} intervals include generation without a factor in {}, left out", partial, factors.name());
    detail::normalise(s);
    return s;
}

IntensitySeries EntsoeProvider::fetch(const std::string& zone, UtcMillis from, UtcMillis to) {
    const std::string eic = eic_code(zone);
    const auto stamp = [](UtcMillis t) {
        const UtcFields f = utc_fields(t);
        return fmt::format("{:04}{:02}{:02}{:02}{:02}", f.year, f.month, f.day, f.hour, f.minute);
    };
    IntensitySeries all;
    const UtcMillis page = 365LL * 86'400'000;  // the platform answers at most one year per request
    for (UtcMillis a = from; a < to; a += page) {
        const UtcMillis b = std::min(a + page, to);
        const std::string body = m_http.get("/api?securityToken=" + url_encode(m_key) +
                                            "&documentType=A75&processType=A16&in_Domain=" + url_encode(eic) +
                                            "&periodStart=" + stamp(a) + "&periodEnd=" + stamp(b));
        IntensitySeries part = parse_a75(body, m_factors, zone);
        if (all.points.empty()) {
            all = std::move(part);
        } else {
            all.points.insert(all.points.end(), part.points.begin(), part.points.end());
        }
    }
    detail::normalise(all);
    std::erase_if(all.points, [&](const IntensityPoint& p) { return p.end() <= from || p.start >= to; });
    return all;
}

}  // namespace powerml::carbon
