#include "powerml/carbon/embedded_data.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <sstream>

#include "csv_text.hpp"
#include "powerml/core/error.hpp"
#include "powerml/core/paths.hpp"

namespace powerml::carbon {

namespace {

// Azure regions in the Carbon Aware SDK's location data (src/data/location-sources/
// azure-regions.json) without a row in data/grid/cloud-regions.csv, and the Electricity Maps
// zone their SDK coordinates lie in. The SDK's staging/EUAP keys map to their parent region.
constexpr std::pair<const char*, const char*> k_sdk_azure_zones[] = {
    {"australiacentral", "AU-NSW"},  {"australiacentral2", "AU-NSW"}, {"australiaeast", "AU-NSW"},
    {"australiasoutheast", "AU-VIC"}, {"brazilsouth", "BR-CS"},        {"brazilsoutheast", "BR-CS"},
    {"canadacentral", "CA-ON"},      {"canadaeast", "CA-QC"},         {"centraluseuap", "US-MIDW-MISO"},
    {"eastus2euap", "US-MIDA-PJM"},  {"eastusstg", "US-MIDA-PJM"},    {"francesouth", "FR"},
    {"germanynorth", "DE"},          {"israelcentral", "IL"},         {"italynorth", "IT-NO"},
    {"japaneast", "JP-TK"},          {"japanwest", "JP-KN"},          {"jioindiacentral", "IN-WE"},
    {"jioindiawest", "IN-WE"},       {"koreacentral", "KR"},          {"koreasouth", "KR"},
    {"mexicocentral", "MX"},         {"norwayeast", "NO-NO1"},        {"norwaywest", "NO-NO2"},
    {"polandcentral", "PL"},         {"qatarcentral", "QA"},          {"southafricanorth", "ZA"},
    {"southafricawest", "ZA"},       {"spaincentral", "ES"},          {"switzerlandnorth", "CH"},
    {"switzerlandwest", "CH"},       {"uaecentral", "AE"},            {"uaenorth", "AE"},
};

// A cloud region name compared without case, spaces, '-' and '_'.
std::string region_key(std::string_view s) {
    std::string out;
    for (const char c : s)
        if (c != ' ' && c != '-' && c != '_') out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

std::string upper(std::string s) {
    for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
}

std::string slurp(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw Error("cannot read grid data file " + file.string() + "; reinstall PowerML or set POWERML_DATA_DIR");
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// Reads an integer field of the hourly format without allocating.
bool read_int(std::string_view s, std::int32_t& out) {
    const auto r = std::from_chars(s.data(), s.data() + s.size(), out);
    return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

}  // namespace

EmbeddedData::EmbeddedData(std::filesystem::path grid_dir) : m_dir(std::move(grid_dir)) {}

EmbeddedData& EmbeddedData::instance() {
    static EmbeddedData data(paths::data_dir() / "grid");
    return data;
}

void EmbeddedData::load_tables() const {
    std::call_once(m_tables_once, [this] {
        const auto index_file = m_dir / "hourly" / "index.csv";
        csv::for_each_line(slurp(index_file), [&](std::string_view line, long no) {
            if (no == 1 || line.empty()) return true;
            const auto f = csv::split(line);
            double year = 0, hours = 0;
            if (f.size() != 5 || !csv::to_double(f[2], year) || !csv::to_double(f[3], hours))
                throw Error(index_file.string() + ":" + std::to_string(no) + ": expected zone,alias,year,hours,file");
            m_index.push_back({f[0], f[1], f[4], static_cast<int>(year), static_cast<long>(hours)});
            return true;
        });
        const auto annual_file = m_dir / "annual.csv";
        csv::for_each_line(slurp(annual_file), [&](std::string_view line, long no) {
            if (no == 1 || line.empty()) return true;
            const auto f = csv::split(line);
            double year = 0, value = 0;
            if (f.size() != 5 || !csv::to_double(f[2], year) || !csv::to_double(f[3], value))
                throw Error(annual_file.string() + ":" + std::to_string(no) + ": expected zone,name,year,g_per_kwh,source");
            m_yearly[f[0]] = YearlyAverage{f[0], static_cast<int>(year), value, f[4]};
            if (!f[1].empty()) m_names[f[0]] = f[1];
            return true;
        });
        const auto regions_file = m_dir / "cloud-regions.csv";
        csv::for_each_line(slurp(regions_file), [&](std::string_view line, long no) {
            if (no == 1 || line.empty()) return true;
            const auto f = csv::split(line);
            double value = 0;
            if (f.size() != 5 || !csv::to_double(f[3], value))
                throw Error(regions_file.string() + ":" + std::to_string(no) + ": expected provider,region,zone,g_per_kwh,source");
            m_regions.push_back({f[0], f[1], f[2], f[4], value});
            return true;
        });
    });
}

ResolvedZone EmbeddedData::resolve(const std::string& name) const {
    load_tables();
    const std::string key = upper(std::string(csv::trim(name)));
    for (const auto& e : m_index) {
        if (upper(e.zone) == key) return {e.zone, "zone id", std::nullopt};
    }
    for (const auto& e : m_index) {
        if (!e.alias.empty() && upper(e.alias) == key) return {e.zone, "alias " + e.alias, std::nullopt};
    }
    for (const auto& [zone, avg] : m_yearly) {
        if (upper(zone) == key) return {zone, key.size() == 3 ? "country code (ISO 3166 alpha-3)" : "zone id", std::nullopt};
    }
    // Cloud regions: "provider:region" or a bare region name, in the provider's key spelling
    // ("westeurope", "eu-west-1") or its display spelling ("West Europe"): compared without
    // case, spaces, '-' and '_'.
    std::string provider, region = region_key(key);
    if (const auto colon = key.find(':'); colon != std::string::npos) {
        provider = key.substr(0, colon);
        region = region_key(key.substr(colon + 1));
    }
    for (const auto& r : m_regions) {
        if (region_key(r.region) != region || (!provider.empty() && upper(r.provider) != provider)) continue;
        ResolvedZone out;
        out.zone = r.zone.empty() ? r.provider + ":" + r.region : r.zone;
        out.via = "cloud region " + r.provider + "/" + r.region;
        out.region_factor = YearlyAverage{out.zone, 0, r.g_per_kwh, r.provider + " region table (" + r.source + ")"};
        return out;
    }
    // The Carbon Aware SDK's Azure location keys (its azure-regions.json) that the region table
    // has no row for: the zone each region's coordinates lie in.
    if (provider.empty() || provider == "AZURE") {
        for (const auto& [sdk_key, zone] : k_sdk_azure_zones) {
            if (region != region_key(sdk_key)) continue;
            return {zone, std::string("Carbon Aware SDK location ") + sdk_key, std::nullopt};
        }
    }
    throw Error("unknown zone '" + name + "': no shipped data and no cloud region by that name; run `powerml zones` for the list");
}

bool EmbeddedData::has_hourly(const std::string& zone) const { return !hourly_years(zone).empty(); }

std::vector<int> EmbeddedData::hourly_years(const std::string& zone) const {
    load_tables();
    std::vector<int> years;
    for (const auto& e : m_index)
        if (e.zone == zone) years.push_back(e.year);
    std::sort(years.begin(), years.end());
    return years;
}

HourlyYear EmbeddedData::parse_hourly(const std::string& text, const std::string& zone, int year,
                                      const std::string& file_label) {
    HourlyYear out;
    out.zone = zone;
    out.year = year;
    out.start = days_from_civil(year, 1, 1) * 86'400'000;
    const long hours = (days_from_civil(year + 1, 1, 1) - days_from_civil(year, 1, 1)) * 24;
    out.lca_centi.reserve(static_cast<std::size_t>(hours));
    out.direct_centi.reserve(static_cast<std::size_t>(hours));
    out.estimated.reserve(static_cast<std::size_t>(hours));
    csv::for_each_line(text, [&](std::string_view line, long no) {
        if (no == 1) {
            if (line.rfind("# powerml-hourly/1", 0) != 0)
                throw Error(file_label + ":1: not a powerml-hourly/1 file (first line must start '# powerml-hourly/1')");
            return true;
        }
        if (line.empty()) return true;
        std::int32_t v[3] = {0, 0, 0};
        int n = 0;
        std::size_t pos = 0;
        while (n < 3) {
            const std::size_t comma = line.find(',', pos);
            const std::string_view field = line.substr(pos, comma == std::string_view::npos ? line.npos : comma - pos);
            if (!read_int(field, v[n]))
                throw Error(file_label + ":" + std::to_string(no) + ": expected integers lca,direct[,estimated], got '" +
                            std::string(line) + "'");
            ++n;
            if (comma == std::string_view::npos) break;
            pos = comma + 1;
        }
        if (n < 2 || (n == 3 && v[2] != 0 && v[2] != 1) || v[0] < 0 || v[1] < 0)
            throw Error(file_label + ":" + std::to_string(no) + ": expected lca,direct[,1] with non-negative values");
        out.lca_centi.push_back(v[0]);
        out.direct_centi.push_back(v[1]);
        out.estimated.push_back(static_cast<std::uint8_t>(n == 3 ? v[2] : 0));
        return true;
    });
    if (static_cast<long>(out.lca_centi.size()) != hours)
        throw Error(file_label + ": " + std::to_string(out.lca_centi.size()) + " hours, expected " + std::to_string(hours) +
                    " for " + std::to_string(year));
    return out;
}

std::shared_ptr<const HourlyYear> EmbeddedData::hourly(const std::string& zone, int year) const {
    load_tables();
    const std::string key = zone + "_" + std::to_string(year);
    {
        std::lock_guard lock(m_cache_mutex);
        if (auto it = m_cache.find(key); it != m_cache.end()) return it->second;
    }
    const auto it = std::find_if(m_index.begin(), m_index.end(),
                                 [&](const IndexEntry& e) { return e.zone == zone && e.year == year; });
    if (it == m_index.end()) throw Error("no hourly data shipped for " + zone + " in " + std::to_string(year));
    const auto file = m_dir / "hourly" / it->file;
    auto parsed = std::make_shared<const HourlyYear>(parse_hourly(slurp(file), zone, year, file.string()));
    std::lock_guard lock(m_cache_mutex);
    m_cache[key] = parsed;
    return parsed;
}

std::optional<YearlyAverage> EmbeddedData::yearly(const std::string& zone) const {
    load_tables();
    if (auto it = m_yearly.find(zone); it != m_yearly.end()) return it->second;
    return std::nullopt;
}

std::vector<ZoneSummary> EmbeddedData::zones() const {
    load_tables();
    std::map<std::string, ZoneSummary> out;
    for (const auto& e : m_index) {
        auto& z = out[e.zone];
        z.zone = e.zone;
        z.alias = e.alias;
        z.hourly_years.push_back(e.year);
    }
    for (const auto& [zone, avg] : m_yearly) {
        auto& z = out[zone];
        z.zone = zone;
        z.yearly = avg;
    }
    for (auto& [zone, z] : out) {
        if (auto it = m_names.find(zone); it != m_names.end()) z.name = it->second;
        std::sort(z.hourly_years.begin(), z.hourly_years.end());
    }
    std::vector<ZoneSummary> list;
    for (auto& [zone, z] : out) list.push_back(std::move(z));
    return list;
}

std::vector<EmbeddedData::CloudRegion> EmbeddedData::cloud_regions() const {
    load_tables();
    return m_regions;
}

}  // namespace powerml::carbon
