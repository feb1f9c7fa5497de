#pragma once
// The grid data shipped in data/grid/ (schema in data/README.md): hourly series per zone-year,
// yearly averages for ~560 zones and countries, cloud regions mapped to zones. Everything is
// read lazily, the first time it is asked for, and kept.
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "powerml/carbon/intensity_series.hpp"
#include "powerml/core/time.hpp"

namespace powerml::carbon {

struct YearlyAverage {
    std::string zone;
    int year = 0;
    double g_per_kwh = 0.0;
    std::string source;  // "Electricity Maps yearly (co2.js)", "Ember (co2.js)", "aws region table (EEA)"
};

struct HourlyYear {
    std::string zone;
    int year = 0;
    UtcMillis start = 0;                   // Jan 1 00:00 UTC
    std::vector<std::int32_t> lca_centi;   // hundredths of gCO2eq/kWh, one per hour
    std::vector<std::int32_t> direct_centi;
    std::vector<std::uint8_t> estimated;   // 1 where the source marked the hour estimated
    UtcMillis end() const { return start + static_cast<UtcMillis>(lca_centi.size()) * 3'600'000; }
};

struct ZoneSummary {
    std::string zone;
    std::string name;
    std::string alias;              // older name of the same zone ("DE-LU")
    std::vector<int> hourly_years;  // empty when only a yearly average exists
    std::optional<YearlyAverage> yearly;
};

// A name as a person typed it, resolved to the zone the data is keyed by.
struct ResolvedZone {
    std::string zone;  // data key ("DE")
    std::string via;   // how it was found: "zone id", "alias DE-LU", "cloud region aws/eu-west-1"
    std::optional<YearlyAverage> region_factor;  // the cloud provider's own figure for the region
};

class EmbeddedData {
public:
    explicit EmbeddedData(std::filesystem::path grid_dir);
    // The shared instance over paths::data_dir()/grid.
    static EmbeddedData& instance();

    // Zone id ("CY"), older alias ("DE-LU"), ISO 3166 alpha-2 or alpha-3 country code,
    // or cloud region ("aws:eu-west-1", "gcp:europe-west4", "azure:West Europe", or the bare
    // region name). Case does not matter. Throws Error naming the zone and `powerml zones`.
    ResolvedZone resolve(const std::string& name) const;
    bool has_hourly(const std::string& zone) const;
    // Years with hourly data, ascending.
    std::vector<int> hourly_years(const std::string& zone) const;
    // Loads (once) and returns one zone-year; throws Error if it is not shipped or is malformed.
    std::shared_ptr<const HourlyYear> hourly(const std::string& zone, int year) const;
    std::optional<YearlyAverage> yearly(const std::string& zone) const;
    std::vector<ZoneSummary> zones() const;
    // Region tables: provider -> (region, zone, g/kWh, source).
    struct CloudRegion {
        std::string provider, region, zone, source;
        double g_per_kwh = 0.0;
    };
    std::vector<CloudRegion> cloud_regions() const;
    const std::filesystem::path& dir() const { return m_dir; }

    // Parses one hourly file's text (exposed for tests and the benchmark). Throws Error with
    // the file name and line number on anything malformed.
    static HourlyYear parse_hourly(const std::string& text, const std::string& zone, int year,
                                   const std::string& file_label);

private:
    struct IndexEntry {
        std::string zone, alias, file;
        int year = 0;
        long hours = 0;
    };
    void load_tables() const;

    std::filesystem::path m_dir;
    mutable std::once_flag m_tables_once;
    mutable std::vector<IndexEntry> m_index;
    mutable std::map<std::string, YearlyAverage> m_yearly;
    mutable std::map<std::string, std::string> m_names;
    mutable std::vector<CloudRegion> m_regions;
    mutable std::mutex m_cache_mutex;
    mutable std::map<std::string, std::shared_ptr<const HourlyYear>> m_cache;
};

}  // namespace powerml::carbon
