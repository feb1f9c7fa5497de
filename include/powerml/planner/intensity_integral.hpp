#pragma once
// Running integral of a piecewise-constant intensity series, so that the emissions of any
// window cost two look-ups instead of a pass over the points (prefix sums). Gaps between
// points are kept as "not covered"; a window touching one has no value.
#include <cstddef>
#include <vector>

#include "powerml/carbon/intensity_series.hpp"

namespace powerml::planner {

class IntensityIntegral {
public:
    IntensityIntegral() = default;
    explicit IntensityIntegral(const carbon::IntensitySeries& series);
    // Rebuilds from `series` in the memory already held (what a planner reusing it wants).
    void assign(const carbon::IntensitySeries& series);

    // Integral of intensity over [a, b] in (g/kWh)·s; only meaningful when covered(a, b).
    double integral(UtcMillis a, UtcMillis b) const { return at(b) - at(a); }
    // The same restricted to points that are not measured (forecast or estimated).
    double uncertain_integral(UtcMillis a, UtcMillis b) const { return at_uncertain(b) - at_uncertain(a); }
    // True when every instant of [a, b] lies inside a point.
    bool covered(UtcMillis a, UtcMillis b) const;

    bool empty() const { return m_bounds.size() < 2; }
    UtcMillis first() const { return m_bounds.front(); }
    UtcMillis last() const { return m_bounds.back(); }
    // Boundaries of the pieces (point starts and ends), ascending.
    const std::vector<UtcMillis>& bounds() const { return m_bounds; }
    // Piece i spans [bounds[i], bounds[i+1]); value in g/kWh, and whether it is a gap.
    double value(std::size_t i) const { return m_value[i]; }
    bool gap(std::size_t i) const { return m_is_gap[i] != 0; }
    bool uncertain(std::size_t i) const { return m_is_uncertain[i] != 0; }

    // Integral from the first boundary to t (clamped to the covered span).
    double at(UtcMillis t) const;
    double at_uncertain(UtcMillis t) const;

    // Evaluates at(t) for non-decreasing t in amortised O(1): the sliding-window search
    // moves every edge of its window forward only.
    // Inline: this is the inner loop of the search.
    class Cursor {
    public:
        explicit Cursor(const IntensityIntegral& integral) : m_in(&integral) {}
        double at(UtcMillis t) {
            if (m_in->empty()) return 0.0;
            t = clamp(t);
            seek(t);
            return m_in->m_cum[m_i] + m_in->m_value[m_i] * static_cast<double>(t - m_in->m_bounds[m_i]) * 1e-3;
        }
        // Gap milliseconds from the first boundary to t.
        double gap_ms(UtcMillis t) {
            if (!m_in->m_has_gaps) return 0.0;
            t = clamp(t);
            seek(t);
            return m_in->m_cum_gap_ms[m_i] + (m_in->m_is_gap[m_i] ? static_cast<double>(t - m_in->m_bounds[m_i]) : 0.0);
        }

    private:
        UtcMillis clamp(UtcMillis t) const {
            return t < m_in->m_bounds.front() ? m_in->m_bounds.front() : t > m_in->m_bounds.back() ? m_in->m_bounds.back() : t;
        }
        void seek(UtcMillis t) {
            const std::size_t last = m_in->m_value.size() - 1;
            const UtcMillis* b = m_in->m_bounds.data();
            while (m_i < last && t >= b[m_i + 1]) ++m_i;
        }
        const IntensityIntegral* m_in;
        std::size_t m_i = 0;
    };

    bool has_gaps() const { return m_has_gaps; }
    // The memory its arrays hold (what keeping it for reuse costs).
    std::size_t capacity_bytes() const {
        return m_bounds.capacity() * sizeof(UtcMillis) +
               (m_value.capacity() + m_cum.capacity() + m_cum_uncertain.capacity() + m_cum_gap_ms.capacity()) * sizeof(double) +
               m_is_gap.capacity() + m_is_uncertain.capacity();
    }
    // The length every piece has when they are all equal (an hourly series: 3,600,000), else 0.
    UtcMillis step() const { return m_step; }

private:
    std::size_t piece(UtcMillis t) const;  // index of the piece holding t (clamped)
    double gap_ms_at(UtcMillis t) const;

    std::vector<UtcMillis> m_bounds;
    std::vector<double> m_value;
    std::vector<char> m_is_gap;
    std::vector<char> m_is_uncertain;
    std::vector<double> m_cum;            // integral up to bounds[i]
    std::vector<double> m_cum_uncertain;  // same, non-measured points only
    std::vector<double> m_cum_gap_ms;     // gap time up to bounds[i]
    bool m_has_gaps = false;
    UtcMillis m_step = 0;
};

}  // namespace powerml::planner
