#pragma once
// Everything that crosses an interface is a double in SI units (J, W, s). These are the
// conversions to the units people read, kept in one place.
#include <initializer_list>
#include <string>

namespace powerml::units {

inline constexpr double k_joules_per_wh = 3600.0;
inline constexpr double k_joules_per_kwh = 3.6e6;
inline constexpr double k_grams_per_pound = 453.59237;
// WattTime reports lbs CO2 per MWh; 1 lbs/MWh = 0.45359237 g/kWh.
inline constexpr double k_g_per_kwh_per_lbs_per_mwh = 0.45359237;

inline constexpr double wh_from_joules(double joules) { return joules / k_joules_per_wh; }
inline constexpr double kwh_from_joules(double joules) { return joules / k_joules_per_kwh; }
inline constexpr double joules_from_kwh(double kwh) { return kwh * k_joules_per_kwh; }

// Grams of CO2e for `joules` at an intensity in gCO2e/kWh.
inline constexpr double grams_co2e(double joules, double g_per_kwh) {
    return kwh_from_joules(joules) * g_per_kwh;
}

// "12.3 J", "4.56 Wh", "7.89 kWh": human text only, never JSON. 3 significant digits.
std::string format_energy(double joules);

// One unit for every energy in a line or a table column, chosen by the largest magnitude
// among them, so that figures that are compared are read in the same unit.
struct EnergyUnit {
    const char* symbol = "J";
    double joules_per_unit = 1.0;
};
EnergyUnit energy_unit_for(std::initializer_list<double> joules);
EnergyUnit energy_unit_for_max(double largest_abs_joules);
// "12.35 Wh": 4 significant digits in `unit` (plain digits, no exponent, down to 0.001).
std::string format_energy_in(double joules, EnergyUnit unit);
// 4 significant digits, no exponent for everyday magnitudes: "0.9134", "1234", "12.35".
std::string format_significant(double value, int digits = 4);
// "p < 0.001", "p = 0.0342": a p-value as people read it.
std::string format_p_value(double p);
// "1.23 g", "4.56 kg", "7.8 t" CO2e.
std::string format_mass_co2e(double grams);
// "850 ms", "12.3 s", "5 min 3 s", "2 h 05 min".
std::string format_duration(double seconds);

}  // namespace powerml::units
