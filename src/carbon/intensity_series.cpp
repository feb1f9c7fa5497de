#include "powerml/carbon/intensity_series.hpp"

#include <algorithm>

namespace powerml::carbon {

std::string_view to_string(SignalType s) { return s == SignalType::average ? "average" : "marginal"; }
std::string_view to_string(FactorBasis b) { return b == FactorBasis::lifecycle ? "lifecycle" : "direct"; }
std::string_view to_string(PointKind k) {
    switch (k) {
        case PointKind::measured: return "measured";
        case PointKind::estimated: return "estimated";
        case PointKind::forecast: return "forecast";
    }
    return "measured";
}

long IntensitySeries::index_at(UtcMillis t) const {
    // Last point starting at or before t; it covers t if t is before its end.
    auto it = std::upper_bound(points.begin(), points.end(), t,
                               [](UtcMillis value, const IntensityPoint& p) { return value < p.start; });
    if (it == points.begin()) return -1;
    --it;
    if (t >= it->end()) return -1;
    return static_cast<long>(it - points.begin());
}

std::optional<double> IntensitySeries::value_at(UtcMillis t) const {
    const long i = index_at(t);
    if (i < 0) return std::nullopt;
    return points[static_cast<std::size_t>(i)].g_per_kwh;
}

}  // namespace powerml::carbon
