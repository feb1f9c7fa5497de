#pragma once
// The one data model for grid carbon intensity, whatever provider it came from. Every unit
// and resolution conversion happens at the provider's edge; past this point values are
// gCO2eq/kWh and times are UTC milliseconds.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "powerml/core/time.hpp"

namespace powerml::carbon {

enum class SignalType { average, marginal };
enum class FactorBasis { lifecycle, direct };
enum class PointKind { measured, estimated, forecast };

std::string_view to_string(SignalType s);
std::string_view to_string(FactorBasis b);
std::string_view to_string(PointKind k);

struct IntensityPoint {
    UtcMillis start = 0;
    double duration_s = 3600.0;
    double g_per_kwh = 0.0;
    PointKind kind = PointKind::measured;
    // True when the provider's own data does not cover this time and the value was filled in
    // (a typical profile, or another source standing in). Routes that must answer only from
    // the provider's data, as the Carbon Aware SDK does, leave these points out.
    bool filled = false;

    UtcMillis end() const { return start + static_cast<UtcMillis>(duration_s * 1000.0); }
};

struct IntensitySeries {
    std::string zone;
    SignalType signal = SignalType::average;
    FactorBasis basis = FactorBasis::lifecycle;
    std::string provider;     // "embedded", "csv:/path", "electricitymaps", ...
    std::string attribution;  // "Electricity Maps"
    std::string licence;      // "ODbL"
    // Stated relative error of the values (forecasts, typical profiles); 0 when not stated.
    double relative_uncertainty = 0.0;
    // How the answer was obtained when that matters ("live", "cache", "embedded fallback",
    // "typical profile from 2024 for times after the data"). Shown in text output.
    std::string note;
    // Which step of the fallback chain answered: "live", "cache", "embedded", "file". Empty
    // when the series did not go through fetch_series().
    std::string answered_by;
    std::vector<IntensityPoint> points;  // sorted by start, not overlapping

    // Intensity in force at `t` (points are piecewise constant), or nothing when not covered.
    std::optional<double> value_at(UtcMillis t) const;
    // Index of the point covering `t`, or -1.
    long index_at(UtcMillis t) const;
};

}  // namespace powerml::carbon
