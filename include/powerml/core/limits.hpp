#pragma once
// Bounds on what any input may say, shared by every parser that reads such a value.

namespace powerml {

// The longest duration any input may give. Times are 64-bit milliseconds: a duration within
// this adds to or subtracts from any time PowerML reads without overflowing, and no job,
// window or horizon is longer.
inline constexpr double k_longest_duration_s = 100.0 * 365.25 * 86400.0;

}  // namespace powerml
