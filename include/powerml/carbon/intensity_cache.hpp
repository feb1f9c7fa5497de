#pragma once
// SQLite cache of live answers, keyed by provider, zone and requested range, with a TTL.
// A fresh entry (younger than the TTL) is used instead of asking the service again; a stale
// one is still used when the service fails (the fallback chain's "cache" step).
#include <filesystem>
#include <optional>
#include <string>

#include "powerml/carbon/intensity_series.hpp"

struct sqlite3;

namespace powerml::carbon {

class IntensityCache {
public:
    // Opens (creating) the database file. Throws Error naming the file when it cannot.
    explicit IntensityCache(const std::filesystem::path& file);
    ~IntensityCache();
    IntensityCache(const IntensityCache&) = delete;
    IntensityCache& operator=(const IntensityCache&) = delete;

    void put(const std::string& provider, const std::string& zone, UtcMillis from, UtcMillis to,
             const IntensitySeries& series, UtcMillis now);
    struct Hit {
        IntensitySeries series;
        UtcMillis stored_at = 0;
        bool fresh = false;
    };
    // The entry for exactly this key; `fresh` says whether it is younger than ttl_s.
    std::optional<Hit> get(const std::string& provider, const std::string& zone, UtcMillis from, UtcMillis to,
                           double ttl_s, UtcMillis now) const;

    static std::string to_json(const IntensitySeries& s);
    static IntensitySeries from_json(const std::string& text);

private:
    sqlite3* m_db = nullptr;
    std::filesystem::path m_file;
};

}  // namespace powerml::carbon
