#pragma once
// A wall power meter's log (seed 003 measured the whole system this way): one row per
// interval with a time stamp and the mean power over it, imported from CSV and aligned to a
// run by wall-clock time. Each row's stamp is the start of its interval; the interval lasts
// until the next row (at most twice the log's usual step, beyond which time counts as a gap).
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "powerml/core/time.hpp"

namespace powerml::sensors {

struct MeterRow {
    UtcMillis time = 0;
    double watts = 0.0;
};

// Mean power of the other sensors at one moment (the sampler's summed power).
struct TimedPower {
    UtcMillis time = 0;
    double watts = 0.0;
};

// One meter interval with the sensors' mean power over it: a point for the correction fit.
struct PowerPair {
    UtcMillis start = 0;
    double sensor_w = 0.0;
    double wall_w = 0.0;
};

struct MeterWindow {
    double energy_j = 0.0;      // integral of the meter's power over the covered part
    double mean_power_w = 0.0;  // energy / covered time
    double covered_s = 0.0;     // window time the log covers
    double gap_s = 0.0;         // window time it does not (before, after, or holes)
    std::size_t rows = 0;       // rows that overlap the window
};

class MeterLog {
public:
    // CSV with a time column (RFC 3339, or Unix seconds / milliseconds) and a watts column.
    // A header row is optional; with one, the columns are found by name (time, timestamp,
    // datetime, date; watts, power, w, apower, power_w); without, they are the first two.
    // Throws Error naming `origin`, the line and the field on bad input.
    static MeterLog parse_csv(std::string_view text, const std::string& origin);
    static MeterLog load(const std::filesystem::path& file);

    const std::vector<MeterRow>& rows() const { return m_rows; }
    double step_s() const { return m_step_s; }  // the log's usual interval (median gap)

    // The meter's energy over [start, end), after shifting the log by `offset_s` (meter clock
    // minus run clock) so that clock skew can be corrected.
    MeterWindow window(UtcMillis start, UtcMillis end, double offset_s = 0.0) const;

    // Pairs each meter interval that holds sensor samples with their mean power.
    std::vector<PowerPair> pair_with(const std::vector<TimedPower>& sensor_power, double offset_s = 0.0) const;

private:
    double interval_end_s(std::size_t i) const;  // seconds since epoch, capped at 2 x step
    std::vector<MeterRow> m_rows;
    double m_step_s = 1.0;
};

}  // namespace powerml::sensors
