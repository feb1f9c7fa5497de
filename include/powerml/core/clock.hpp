#pragma once
// An injected clock, so the sampler and planner can be driven by a scripted time in tests.
#include "powerml/core/time.hpp"

namespace powerml {

class Clock {
public:
    virtual ~Clock() = default;
    // Seconds on a monotonic clock: for intervals only, never shown to people.
    virtual double monotonic_s() const = 0;
    // Wall time, UTC: for stamps only.
    virtual UtcMillis utc_ms() const = 0;
};

class SystemClock final : public Clock {
public:
    double monotonic_s() const override;
    UtcMillis utc_ms() const override;
    static const SystemClock& instance();
};

}  // namespace powerml
