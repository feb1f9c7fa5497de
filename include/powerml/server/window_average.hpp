#pragma once
// Time-weighted averages over an intensity series, the arithmetic behind the Carbon Aware SDK
// routes: the average over a range, and its rolling average over a job-length window (whose
// minimum is the SDK's "optimal" start). Points are piecewise constant; parts of a range no
// point covers are left out of the average rather than counted as zero.
#include <optional>
#include <vector>

#include "powerml/carbon/intensity_series.hpp"

namespace powerml::server {

struct WindowAverage {
    UtcMillis start = 0;
    double g_per_kwh = 0.0;
};

class WindowAverager {
public:
    explicit WindowAverager(const carbon::IntensitySeries& series);

    // Mean over the covered part of [from, to); nothing when no point covers any of it.
    std::optional<double> average(UtcMillis from, UtcMillis to) const;

    // How many ms of [from, to) the points cover.
    UtcMillis covered_ms(UtcMillis from, UtcMillis to) const;

    // The rolling average as the Carbon Aware SDK computes it (EmissionsDataExtensions.
    // RollingAverage): the first window starts at `from` (or at the first point, if that is
    // later) and each next one a step later, the step being the first point's duration. A
    // window is kept when the points reach its end; stepping stops when a window would end
    // after `to` (the first window is checked for coverage only, as in the SDK) or when no
    // point is left to enter a window. Window starts do not snap to point starts.
    std::vector<WindowAverage> rolling(UtcMillis from, UtcMillis to, UtcMillis window_ms) const;

private:
    // Integral of g/kWh x ms, and covered ms, from the first point up to `t`.
    void integrate_to(UtcMillis t, double& integral, double& covered) const;

    const carbon::IntensitySeries& m_series;
    std::vector<double> m_integral_before;  // per point: integral of all earlier points
    std::vector<double> m_covered_before;
};

}  // namespace powerml::server
