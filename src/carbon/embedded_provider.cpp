#include "powerml/carbon/embedded_provider.hpp"

#include <fmt/format.h>

#include "powerml/carbon/typical_profile.hpp"
#include "powerml/core/error.hpp"

namespace powerml::carbon {

namespace {
constexpr UtcMillis k_hour_ms = 3'600'000;

UtcMillis floor_hour(UtcMillis t) { return (t >= 0 ? t / k_hour_ms : (t - k_hour_ms + 1) / k_hour_ms) * k_hour_ms; }

void check_range(UtcMillis from, UtcMillis to) {
    if (to <= from) throw Error("--to must be after --from (got " + format_rfc3339(from) + " .. " + format_rfc3339(to) + ")");
    if (to - from > k_max_request_ms) throw Error("time range longer than ten years; ask for a shorter range");
}
}  // namespace

EmbeddedProvider::EmbeddedProvider(FactorBasis basis, const EmbeddedData& data) : m_basis(basis), m_data(data) {}

IntensitySeries EmbeddedProvider::fetch(const std::string& zone_name, UtcMillis from, UtcMillis to) {
    check_range(from, to);
    const ResolvedZone rz = m_data.resolve(zone_name);
    IntensitySeries s;
    s.zone = rz.zone;
    s.signal = SignalType::average;
    s.basis = m_basis;
    s.provider = "embedded";
    s.attribution = "Electricity Maps";
    s.licence = "ODbL-1.0";

    const auto years = m_data.hourly_years(rz.zone);
    if (years.empty()) {
        // Yearly average only (Sweden and ~540 other zones): flat, and said so.
        std::optional<YearlyAverage> avg = m_data.yearly(rz.zone);
        if (!avg) avg = rz.region_factor;
        if (!avg) throw Error("no data for zone '" + zone_name + "'; run `powerml zones` for the list");
        if (m_basis == FactorBasis::direct)
            throw Error("zone " + rz.zone + " has only a lifecycle yearly average; use the lifecycle basis");
        s.attribution = avg->source;
        s.licence = avg->source.find("Ember") != std::string::npos ? "CC-BY-SA-4.0" : "ODbL-1.0";
        if (avg->source.find("region table") != std::string::npos) s.licence = "see data/README.md";
        s.note = fmt::format("no hourly data for {}: yearly average {}{} from {}, the same for every hour", rz.zone,
                             avg->g_per_kwh, avg->year ? fmt::format(" ({})", avg->year) : "", avg->source);
        s.relative_uncertainty = 0.0;
        for (UtcMillis t = floor_hour(from); t < to; t += k_hour_ms)
            s.points.push_back({t, 3600.0, avg->g_per_kwh, PointKind::estimated});
        return s;
    }

    std::shared_ptr<const HourlyYear> loaded;
    std::unique_ptr<TypicalProfile> profile;
    long typical_hours = 0;
    for (UtcMillis t = floor_hour(from); t < to; t += k_hour_ms) {
        const int y = utc_fields(t).year;
        if (!loaded || loaded->year != y) {
            loaded.reset();
            for (int have : years)
                if (have == y) loaded = m_data.hourly(rz.zone, y);
        }
        if (loaded) {
            const auto h = static_cast<std::size_t>((t - loaded->start) / k_hour_ms);
            const auto& v = m_basis == FactorBasis::lifecycle ? loaded->lca_centi : loaded->direct_centi;
            s.points.push_back({t, 3600.0, v[h] / 100.0, loaded->estimated[h] ? PointKind::estimated : PointKind::measured});
        } else {
            if (!profile) profile = std::make_unique<TypicalProfile>(*m_data.hourly(rz.zone, years.back()), m_basis);
            s.points.push_back({t, 3600.0, profile->value_at(t), PointKind::estimated, true});
            ++typical_hours;
        }
    }
    if (typical_hours > 0) {
        s.note = fmt::format("{} of {} hours are outside the shipped data ({}): estimated from the typical profile of {} "
                             "(mean of the same month, weekday/weekend and hour)",
                             typical_hours, s.points.size(), fmt::join(years, ", "), years.back());
    }
    if (rz.via != "zone id") s.note = (s.note.empty() ? "" : s.note + "; ") + "zone found by " + rz.via;
    return s;
}

}  // namespace powerml::carbon
