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
    class Cursor {
    public:
        explicit Cursor(const IntensityIntegral& integral) : m_in(&integral) {}
        double at(UtcMillis t);
        // Gap milliseconds from the first boundary to t.
        double gap_ms(UtcMillis t);

    private:
        void seek(UtcMillis t);
        const IntensityIntegral* m_in;
        std::size_t m_i = 0;
    };

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
};

}  // namespace powerml::planner
