#include "powerml/core/units.hpp"

#include <cmath>

#include <fmt/format.h>

namespace powerml::units {

std::string format_energy(double joules) {
    const double magnitude = std::fabs(joules);
    if (magnitude < 100.0) return fmt::format("{:.3g} J", joules);
    if (magnitude < k_joules_per_kwh) return fmt::format("{:.3g} Wh", wh_from_joules(joules));
    return fmt::format("{:.3g} kWh", kwh_from_joules(joules));
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
