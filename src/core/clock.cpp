#include "powerml/core/clock.hpp"

#include <chrono>

namespace powerml {

double SystemClock::monotonic_s() const {
    using namespace std::chrono;
    return duration<double>(steady_clock::now().time_since_epoch()).count();
}

UtcMillis SystemClock::utc_ms() const { return utc_now_ms(); }

const SystemClock& SystemClock::instance() {
    static const SystemClock clock;
    return clock;
}

}  // namespace powerml
