#include "powerml/server/window_average.hpp"

#include <algorithm>

namespace powerml::server {

WindowAverager::WindowAverager(const carbon::IntensitySeries& series) : m_series(series) {
    const auto& points = series.points;
    m_integral_before.resize(points.size());
    m_covered_before.resize(points.size());
    double integral = 0, covered = 0;
    for (std::size_t i = 0; i < points.size(); ++i) {
        m_integral_before[i] = integral;
        m_covered_before[i] = covered;
        const double length = static_cast<double>(points[i].end() - points[i].start);
        integral += points[i].g_per_kwh * length;
        covered += length;
    }
}

void WindowAverager::integrate_to(UtcMillis t, double& integral, double& covered) const {
    const auto& points = m_series.points;
    const auto after = std::upper_bound(points.begin(), points.end(), t,
                                        [](UtcMillis v, const carbon::IntensityPoint& p) { return v < p.start; });
    if (after == points.begin()) {
        integral = covered = 0;
        return;
    }
    const std::size_t i = static_cast<std::size_t>(after - points.begin()) - 1;
    const double inside = static_cast<double>(std::min(t, points[i].end()) - points[i].start);
    integral = m_integral_before[i] + points[i].g_per_kwh * inside;
    covered = m_covered_before[i] + inside;
}

std::optional<double> WindowAverager::average(UtcMillis from, UtcMillis to) const {
    if (to <= from) return std::nullopt;
    double i0, c0, i1, c1;
    integrate_to(from, i0, c0);
    integrate_to(to, i1, c1);
    if (c1 - c0 <= 0) return std::nullopt;
    return (i1 - i0) / (c1 - c0);
}

UtcMillis WindowAverager::covered_ms(UtcMillis from, UtcMillis to) const {
    if (to <= from) return 0;
    double i0, c0, i1, c1;
    integrate_to(from, i0, c0);
    integrate_to(to, i1, c1);
    return static_cast<UtcMillis>(c1 - c0 + 0.5);
}

std::vector<WindowAverage> WindowAverager::rolling(UtcMillis from, UtcMillis to, UtcMillis window_ms) const {
    std::vector<WindowAverage> out;
    const auto& points = m_series.points;
    if (window_ms <= 0 || points.empty()) return out;
    const UtcMillis step = points.front().end() - points.front().start;
    if (step <= 0) return out;
    UtcMillis start = std::max(from, points.front().start);
    std::size_t next = 0;          // first point not yet taken into a window
    std::optional<std::size_t> last;  // the latest point taken
    while (next < points.size()) {
        const UtcMillis end = start + window_ms;
        while (next < points.size() && points[next].start < end) last = next++;
        if (last && points[*last].end() >= end)
            if (const auto avg = average(start, end)) out.push_back({start, *avg});
        start += step;
        if (start + window_ms > to) break;
    }
    return out;
}

}  // namespace powerml::server
