#pragma once
// Synthetic intensity series and naive reference calculations for the planner's tests: the
// brute-force side of the property tests, written as plainly as possible (loops over points,
// no prefix sums) so that it checks the fast code instead of repeating it.
#include <map>
#include <optional>
#include <random>
#include <string>

#include "powerml/carbon/intensity_series.hpp"
#include "powerml/core/error.hpp"
#include "powerml/planner/planner.hpp"

namespace powerml::planner::test {

inline carbon::IntensitySeries make_series(const std::string& zone, UtcMillis start, const std::vector<double>& values,
                                           double step_s = 3600.0,
                                           carbon::PointKind kind = carbon::PointKind::measured) {
    carbon::IntensitySeries s;
    s.zone = zone;
    s.provider = "synthetic";
    for (std::size_t i = 0; i < values.size(); ++i)
        s.points.push_back({start + static_cast<UtcMillis>(i * step_s * 1000.0), step_s, values[i], kind});
    return s;
}

inline carbon::IntensitySeries random_series(std::mt19937& rng, const std::string& zone, UtcMillis start, int count,
                                             double step_s) {
    std::uniform_real_distribution<double> value(20.0, 900.0);
    std::vector<double> values(static_cast<std::size_t>(count));
    for (double& v : values) v = value(rng);
    return make_series(zone, start, values, step_s);
}

// Integral of intensity over [a, b] in (g/kWh)·s by walking every point; nothing when a part
// of [a, b] has no point.
inline std::optional<double> naive_integral(const carbon::IntensitySeries& s, UtcMillis a, UtcMillis b) {
    double area = 0.0;
    UtcMillis covered = 0;
    for (const auto& p : s.points) {
        const UtcMillis lo = std::max(a, p.start), hi = std::min(b, p.end());
        if (hi > lo) {
            area += p.g_per_kwh * static_cast<double>(hi - lo) / 1000.0;
            covered += hi - lo;
        }
    }
    if (covered != b - a) return std::nullopt;
    return area;
}

inline SeriesSource source_from(const std::map<std::string, carbon::IntensitySeries>& zones) {
    return [zones](const std::string& zone, UtcMillis, UtcMillis) {
        auto it = zones.find(zone);
        if (it == zones.end()) throw Error("unknown zone '" + zone + "'");
        return it->second;
    };
}

}  // namespace powerml::planner::test
