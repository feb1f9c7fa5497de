#pragma once
// Generation mix -> carbon intensity. A factor set gives gCO2eq/kWh per generation source
// (coal, gas, oil, nuclear, hydro, wind, solar, biomass, geothermal, unknown); production
// types from ENTSO-E (psrType codes B01..B20 or their names, as in the data-portal files) are
// mapped to those sources here, once.
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "powerml/carbon/intensity_series.hpp"

namespace powerml::carbon {

class EmissionFactors {
public:
    // A shipped set ("ipcc-ar5" lifecycle/direct, "ipcc-srren" lifecycle) from
    // data/grid/emission-factors.csv, or a user CSV (`source,lifecycle[,direct]`) by path.
    static EmissionFactors load(const std::string& set_or_path, FactorBasis basis = FactorBasis::lifecycle);
    static EmissionFactors from_map(std::string name, std::map<std::string, double> factors, FactorBasis basis);

    // Generation source ("coal") for a production type ("B02", "Fossil Brown coal/Lignite",
    // "Wind Onshore"), or nothing for imports, storage charging and unknown names.
    static std::optional<std::string> source_of(const std::string& production_type);

    std::optional<double> factor(const std::string& source) const;
    const std::string& name() const { return m_name; }
    FactorBasis basis() const { return m_basis; }

    struct Result {
        double g_per_kwh = 0.0;
        double covered_mw = 0.0;    // generation with a factor (numerator and denominator)
        double uncovered_mw = 0.0;  // generation left out: no factor in this set, or not generation
        std::vector<std::string> left_out;
    };
    // Intensity of a mix given in MW (or any power/energy unit: only shares matter).
    Result intensity(const std::map<std::string, double>& mix_by_production_type) const;

private:
    std::string m_name;
    FactorBasis m_basis = FactorBasis::lifecycle;
    std::map<std::string, double> m_factors;
};

}  // namespace powerml::carbon
