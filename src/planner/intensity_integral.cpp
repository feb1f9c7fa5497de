#include "powerml/planner/intensity_integral.hpp"

#include <algorithm>

#include "powerml/core/error.hpp"

namespace powerml::planner {

IntensityIntegral::IntensityIntegral(const carbon::IntensitySeries& series) { assign(series); }

void IntensityIntegral::assign(const carbon::IntensitySeries& series) {
    m_bounds.clear();
    m_value.clear();
    m_is_gap.clear();
    m_is_uncertain.clear();
    m_has_gaps = false;
    m_step = 0;
    // Sized once for a series without holes (each hole adds one piece): no regrowth, no copies.
    const std::size_t expected = series.points.size();
    m_bounds.reserve(expected + 1);
    m_value.reserve(expected);
    m_is_gap.reserve(expected);
    m_is_uncertain.reserve(expected);
    for (const carbon::IntensityPoint& p : series.points) {
        const UtcMillis end = p.end();
        if (end <= p.start) continue;  // zero-length points carry no time
        if (m_bounds.empty()) {
            m_bounds.push_back(p.start);
        } else if (p.start > m_bounds.back()) {
            // A hole in the data: kept as a piece that no window may touch.
            m_value.push_back(0.0);
            m_is_gap.push_back(1);
            m_has_gaps = true;
            m_is_uncertain.push_back(0);
            m_bounds.push_back(p.start);
        } else if (p.start < m_bounds.back()) {
            throw Error("intensity series for zone '" + series.zone + "' has overlapping or unsorted points at " +
                        format_rfc3339(p.start));
        }
        m_value.push_back(p.g_per_kwh);
        m_is_gap.push_back(0);
        m_is_uncertain.push_back(p.kind != carbon::PointKind::measured ? 1 : 0);
        m_bounds.push_back(end);
    }
    const std::size_t n = m_value.size();
    for (std::size_t i = 0; i < n; ++i) {
        const UtcMillis len = m_bounds[i + 1] - m_bounds[i];
        if (i == 0) m_step = len;
        else if (len != m_step) m_step = 0;
    }
    // The running sums for uncertain points and gaps exist only when there are any: a year
    // of measured data then costs three arrays, not five (less memory to fault in per plan).
    bool any_uncertain = false;
    for (char u : m_is_uncertain) any_uncertain = any_uncertain || u;
    m_cum.assign(n + 1, 0.0);
    if (any_uncertain) m_cum_uncertain.assign(n + 1, 0.0);
    else m_cum_uncertain.clear();
    if (m_has_gaps) m_cum_gap_ms.assign(n + 1, 0.0);
    else m_cum_gap_ms.clear();
    for (std::size_t i = 0; i < n; ++i) {
        const double ms = static_cast<double>(m_bounds[i + 1] - m_bounds[i]);
        const double area = m_value[i] * ms / 1000.0;
        m_cum[i + 1] = m_cum[i] + area;
        if (any_uncertain) m_cum_uncertain[i + 1] = m_cum_uncertain[i] + (m_is_uncertain[i] ? area : 0.0);
        if (m_has_gaps) m_cum_gap_ms[i + 1] = m_cum_gap_ms[i] + (m_is_gap[i] ? ms : 0.0);
    }
}

std::size_t IntensityIntegral::piece(UtcMillis t) const {
    auto it = std::upper_bound(m_bounds.begin(), m_bounds.end(), t);
    if (it == m_bounds.begin()) return 0;
    const std::size_t i = static_cast<std::size_t>(it - m_bounds.begin()) - 1;
    return std::min(i, m_value.size() - 1);
}

double IntensityIntegral::at(UtcMillis t) const {
    if (empty()) return 0.0;
    t = std::clamp(t, first(), last());
    const std::size_t i = piece(t);
    return m_cum[i] + m_value[i] * static_cast<double>(t - m_bounds[i]) / 1000.0;
}

double IntensityIntegral::at_uncertain(UtcMillis t) const {
    if (empty() || m_cum_uncertain.empty()) return 0.0;
    t = std::clamp(t, first(), last());
    const std::size_t i = piece(t);
    return m_cum_uncertain[i] + (m_is_uncertain[i] ? m_value[i] * static_cast<double>(t - m_bounds[i]) / 1000.0 : 0.0);
}

double IntensityIntegral::gap_ms_at(UtcMillis t) const {
    if (!m_has_gaps) return 0.0;
    t = std::clamp(t, first(), last());
    const std::size_t i = piece(t);
    return m_cum_gap_ms[i] + (m_is_gap[i] ? static_cast<double>(t - m_bounds[i]) : 0.0);
}

bool IntensityIntegral::covered(UtcMillis a, UtcMillis b) const {
    if (empty() || a < first() || b > last() || b < a) return false;
    return gap_ms_at(b) - gap_ms_at(a) == 0.0;
}

}  // namespace powerml::planner
