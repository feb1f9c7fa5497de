#pragma once
// Carbon of a measured run: each piece of energy is weighed by the grid intensity at its time.
#include <string>
#include <vector>

#include "powerml/carbon/embedded_data.hpp"
#include "powerml/core/config.hpp"
#include "powerml/core/time.hpp"

namespace powerml::carbon {

struct EnergyPiece {
    UtcMillis utc_ms = 0;   // when the energy was used (start of the piece)
    double energy_j = 0.0;  // joules at the IT equipment, before PUE
};

struct RunCarbon {
    double g_co2e = 0.0;
    std::string zone;
    // "embedded hourly (Electricity Maps, ODbL)", "yearly average 2025 (Electricity Maps yearly ...)",
    // plus " + typical profile" / "+ fallback" as applied. Goes into summary.json carbon.intensity_source.
    std::string intensity_source;
    double mean_g_per_kwh = 0.0;  // energy-weighted
    double pue = 1.0;
    bool time_resolved = false;   // false when a yearly average was used
};

// grams = sum(energy_j x PUE x intensity at utc_ms). Uses the time-resolved series of
// `source_spec` where it covers each piece; where no hourly data covers a piece (a zone with
// only a yearly average, or a time outside every series) the yearly average is used and the
// answer says so. Unknown zone: Error naming it and suggesting `powerml zones`.
RunCarbon run_carbon(const std::string& zone, const std::string& source_spec, const std::vector<EnergyPiece>& pieces,
                     double pue, const Config& config);

// The yearly average for a zone, country code or cloud region, with its year and source.
YearlyAverage yearly_average(const std::string& zone);

}  // namespace powerml::carbon
