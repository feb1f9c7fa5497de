#pragma once
// Intensity series shared between requests. A series is fetched for whole UTC days around the
// asked range and kept for `ttl_s`, so the thousands of requests a scheduler fleet sends per
// second for "the next 24 hours" cost one fetch per zone and day. Bounded: at most
// `max_entries` series, expired ones dropped first, so memory stays flat however long it runs.
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>

#include "powerml/carbon/intensity_series.hpp"
#include "powerml/core/clock.hpp"

namespace powerml::server {

class SeriesCache {
public:
    // Fetches the series of `zone` over [from, to); throws (HttpError or Error) when it cannot.
    using Fetch = std::function<carbon::IntensitySeries(const std::string& zone, UtcMillis from, UtcMillis to)>;

    SeriesCache(Fetch fetch, double ttl_s, std::size_t max_entries, const Clock& clock = SystemClock::instance());

    // A series covering at least [from, to) (whole days), from the cache or fetched now.
    std::shared_ptr<const carbon::IntensitySeries> get(const std::string& zone, UtcMillis from, UtcMillis to);

    std::size_t size() const;
    std::size_t fetches() const;

private:
    struct Entry {
        std::shared_ptr<const carbon::IntensitySeries> series;
        double expires_s = 0;
    };
    void make_room_locked(double now_s);

    Fetch m_fetch;
    double m_ttl_s;
    std::size_t m_max_entries;
    const Clock& m_clock;
    mutable std::shared_mutex m_mutex;
    std::mutex m_fetch_mutex;  // one fetch at a time: providers and their caches are not shared-safe
    std::map<std::string, Entry> m_entries;
    std::size_t m_fetches = 0;
};

}  // namespace powerml::server
