#pragma once
// Time on the wall (UTC, RFC 3339) and durations as people write them ("5h", "30m").
// Monotonic time for intervals lives in clock.hpp.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace powerml {

// Milliseconds since the Unix epoch, UTC. Plain integer so it stores and compares cheaply.
using UtcMillis = std::int64_t;

UtcMillis utc_now_ms();

// Accepts "2023-06-15T00:00:00Z", "2023-06-15T02:00:00+02:00", "2023-06-15 00:00:00"
// (taken as UTC), fractional seconds, and a bare date "2023-06-15" (midnight UTC).
// Throws Error naming the text on anything else.
UtcMillis parse_rfc3339(std::string_view text);

// "2023-06-15T00:00:00Z"; milliseconds are shown only when non-zero.
std::string format_rfc3339(UtcMillis t);

// The span of times PowerML accepts from outside text (meter logs, providers): 1970-01-01
// to 9999-12-31, so every accepted time prints as RFC 3339 and no arithmetic on it overflows.
inline constexpr UtcMillis k_min_utc_ms = 0;
inline constexpr UtcMillis k_max_utc_ms = 253'402'300'799'999;  // 9999-12-31T23:59:59.999Z

// Unix seconds (a double from outside text) as UtcMillis; Error for NaN, infinities and
// times outside [k_min_utc_ms, k_max_utc_ms] (the cast alone would be undefined there).
UtcMillis utc_from_unix_seconds(double seconds);

// "90s", "30m", "5h", "1d", "1h30m", "2.5h", or a bare number of seconds. Throws Error.
double parse_duration_s(std::string_view text);

// Days since 1970-01-01 for a civil date, and back (Howard Hinnant's algorithms).
std::int64_t days_from_civil(int y, unsigned m, unsigned d);
void civil_from_days(std::int64_t z, int& y, unsigned& m, unsigned& d);

struct UtcFields {
    int year;
    unsigned month, day, hour, minute, second;
    unsigned weekday;  // 0 = Sunday
};
UtcFields utc_fields(UtcMillis t);

}  // namespace powerml
