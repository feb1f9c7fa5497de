#include "powerml/server/series_cache.hpp"

#include <fmt/format.h>

namespace powerml::server {

namespace {
constexpr UtcMillis k_day_ms = 86'400'000;

UtcMillis floor_day(UtcMillis t) { return t >= 0 ? t - t % k_day_ms : t - (k_day_ms + t % k_day_ms) % k_day_ms; }
}  // namespace

SeriesCache::SeriesCache(Fetch fetch, double ttl_s, std::size_t max_entries, const Clock& clock)
    : m_fetch(std::move(fetch)), m_ttl_s(ttl_s), m_max_entries(max_entries < 1 ? 1 : max_entries), m_clock(clock) {}

std::shared_ptr<const carbon::IntensitySeries> SeriesCache::get(const std::string& zone, UtcMillis from, UtcMillis to) {
    const UtcMillis day_from = floor_day(from);
    const UtcMillis day_to = floor_day(to - 1) + k_day_ms;
    const std::string key = fmt::format("{}|{}|{}", zone, day_from, day_to);
    {
        std::shared_lock lock(m_mutex);
        const auto it = m_entries.find(key);
        if (it != m_entries.end() && it->second.expires_s > m_clock.monotonic_s()) return it->second.series;
    }
    std::lock_guard fetch_lock(m_fetch_mutex);
    {
        // Another request may have fetched it while this one waited.
        std::shared_lock lock(m_mutex);
        const auto it = m_entries.find(key);
        if (it != m_entries.end() && it->second.expires_s > m_clock.monotonic_s()) return it->second.series;
    }
    auto series = std::make_shared<const carbon::IntensitySeries>(m_fetch(zone, day_from, day_to));
    std::unique_lock lock(m_mutex);
    ++m_fetches;
    const double now = m_clock.monotonic_s();
    m_entries.erase(key);
    make_room_locked(now);
    m_entries[key] = Entry{series, now + m_ttl_s};
    return series;
}

void SeriesCache::make_room_locked(double now_s) {
    if (m_entries.size() < m_max_entries) return;
    for (auto it = m_entries.begin(); it != m_entries.end();) it = it->second.expires_s <= now_s ? m_entries.erase(it) : std::next(it);
    // Still full: drop the entry closest to expiry (the oldest one).
    while (m_entries.size() >= m_max_entries) {
        auto oldest = m_entries.begin();
        for (auto it = m_entries.begin(); it != m_entries.end(); ++it)
            if (it->second.expires_s < oldest->second.expires_s) oldest = it;
        m_entries.erase(oldest);
    }
}

std::size_t SeriesCache::size() const {
    std::shared_lock lock(m_mutex);
    return m_entries.size();
}

std::size_t SeriesCache::fetches() const {
    std::shared_lock lock(m_mutex);
    return m_fetches;
}

}  // namespace powerml::server
