#include "powerml/carbon/run_carbon.hpp"

#include <algorithm>
#include <limits>

#include <fmt/format.h>

#include "powerml/carbon/sources.hpp"
#include "powerml/core/error.hpp"
#include "powerml/core/units.hpp"

namespace powerml::carbon {

YearlyAverage yearly_average(const std::string& zone) {
    const auto& data = EmbeddedData::instance();
    const ResolvedZone rz = data.resolve(zone);
    if (auto avg = data.yearly(rz.zone)) return *avg;
    if (rz.region_factor) return *rz.region_factor;
    throw Error("no yearly average for zone '" + zone + "'; run `powerml zones` for the list");
}

RunCarbon run_carbon(const std::string& zone, const std::string& source_spec, const std::vector<EnergyPiece>& pieces,
                     double pue, const Config& config) {
    if (!(pue >= 1.0) || pue > 5.0) throw Error(fmt::format("PUE {} is outside 1..5; check carbon.pue", pue));
    RunCarbon out;
    out.pue = pue;
    out.zone = zone;
    const auto& data = EmbeddedData::instance();
    const ResolvedZone rz = data.resolve(zone);  // throws for an unknown zone, naming it
    out.zone = rz.zone;
    if (pieces.empty()) {
        out.intensity_source = "none (no energy)";
        return out;
    }
    UtcMillis from = std::numeric_limits<UtcMillis>::max(), to = std::numeric_limits<UtcMillis>::min();
    for (const auto& p : pieces) {
        from = std::min(from, p.utc_ms);
        to = std::max(to, p.utc_ms + 1);
    }

    IntensitySeries series;
    bool have_series = false;
    const bool embedded_without_hourly = (source_spec.empty() || source_spec == "embedded") && !data.has_hourly(rz.zone);
    if (!embedded_without_hourly) {
        series = fetch_series(source_spec.empty() ? "embedded" : source_spec, zone, from, to, config);
        have_series = true;
    }
    const YearlyAverage* avg_used = nullptr;
    std::optional<YearlyAverage> avg;
    double total_j = 0, grams = 0;
    long from_series = 0, from_yearly = 0, estimated = 0;
    for (const auto& p : pieces) {
        const double j = p.energy_j * pue;
        std::optional<double> ci;
        if (have_series) {
            const long i = series.index_at(p.utc_ms);
            if (i >= 0) {
                ci = series.points[static_cast<std::size_t>(i)].g_per_kwh;
                if (series.points[static_cast<std::size_t>(i)].kind != PointKind::measured) ++estimated;
            }
        }
        if (ci) {
            ++from_series;
        } else {
            if (!avg) avg = yearly_average(zone);
            avg_used = &*avg;
            ci = avg->g_per_kwh;
            ++from_yearly;
        }
        grams += units::grams_co2e(j, *ci);
        total_j += j;
    }
    out.g_co2e = grams;
    out.mean_g_per_kwh = total_j > 0 ? grams / units::kwh_from_joules(total_j) : 0.0;
    out.time_resolved = from_series > 0;
    std::string text;
    if (from_series > 0) {
        text = fmt::format("{} hourly ({}{})", series.provider, series.attribution.empty() ? "unattributed" : series.attribution,
                           series.licence.empty() ? "" : ", " + series.licence);
        if (estimated > 0) text += fmt::format("; {} of {} pieces at estimated values", estimated, pieces.size());
    }
    if (avg_used) {
        if (!text.empty()) text += "; ";
        text += fmt::format("yearly average {:g} g/kWh{} ({}){}", avg_used->g_per_kwh,
                            avg_used->year ? fmt::format(" for {}", avg_used->year) : "", avg_used->source,
                            from_series > 0 ? fmt::format(" for {} pieces without hourly data", from_yearly)
                                            : ": no hourly data covers the run");
    }
    out.intensity_source = text;
    return out;
}

}  // namespace powerml::carbon
