#include "powerml/core/units.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace powerml::units {

std::string format_energy(double joules) {
    const double magnitude = std::fabs(joules);
    if (magnitude < 100.0) return fmt::format("{:.3g} J", joules);
    if (magnitude < k_joules_per_kwh) return fmt::format("{:.3g} Wh", wh_from_joules(joules));
    return fmt::format("{:.3g} kWh", kwh_from_joules(joules));
}

EnergyUnit energy_unit_for_max(double largest) {
    largest = std::fabs(largest);
    if (largest < 100.0) return {"J", 1.0};
    if (largest < k_joules_per_kwh) return {"Wh", k_joules_per_wh};
    return {"kWh", k_joules_per_kwh};
}

EnergyUnit energy_unit_for(std::initializer_list<double> joules) {
    double largest = 0;
    for (const double j : joules)
        if (std::isfinite(j)) largest = std::max(largest, std::fabs(j));
    return energy_unit_for_max(largest);
}

std::string format_significant(double value, int digits) {
    if (!std::isfinite(value)) return "n/a";
    if (value == 0) return "0";
    const double magnitude = std::fabs(value);
    if (magnitude >= 1e9 || magnitude < 1e-3) return fmt::format("{:.{}g}", value, digits);
    const int integer_digits = static_cast<int>(std::floor(std::log10(magnitude))) + 1;
    const int decimals = std::max(0, digits - integer_digits);
    return fmt::format("{:.{}f}", value, decimals);
}

std::string format_energy_in(double joules, EnergyUnit unit) {
    return format_significant(joules / unit.joules_per_unit) + " " + unit.symbol;
}

std::string format_p_value(double p) {
    if (!std::isfinite(p)) return "p n/a";
    if (p < 0.001) return "p < 0.001";
    return "p = " + format_significant(p, 2);
}

std::string format_mass_co2e(double grams) {
    const double magnitude = std::fabs(grams);
    if (magnitude < 1000.0) return fmt::format("{:.3g} g CO2e", grams);
    if (magnitude < 1e6) return fmt::format("{:.3g} kg CO2e", grams / 1e3);
    return fmt::format("{:.3g} t CO2e", grams / 1e6);
}

std::string format_duration(double seconds) {
    if (seconds < 1.0) return fmt::format("{:.0f} ms", seconds * 1e3);
    if (seconds < 60.0) return fmt::format("{:.3g} s", seconds);
    const auto total = static_cast<long long>(std::llround(seconds));
    if (total < 3600) return fmt::format("{} min {} s", total / 60, total % 60);
    return fmt::format("{} h {:02} min", total / 3600, (total % 3600) / 60);
}

}  // namespace powerml::units
