#include "powerml/sensors/gpu_energy_check.hpp"

#include <cmath>
#include <limits>

#include <fmt/format.h>

namespace powerml::sensors {

GpuEnergyCheck reconcile_gpu_energy(double counter_j, double integrated_j, double window_s,
                                    double counter_period_s, double tolerance) {
    constexpr double nan = std::numeric_limits<double>::quiet_NaN();
    GpuEnergyCheck c;
    c.counter_j = counter_j;
    c.integrated_j = integrated_j;
    const bool have_counter = !std::isnan(counter_j);
    const bool have_power = !std::isnan(integrated_j);
    c.difference_j = have_counter && have_power ? counter_j - integrated_j : nan;
    c.relative_difference = have_counter && have_power && integrated_j != 0.0 ? c.difference_j / integrated_j : nan;

    auto use_power = [&](std::string note) {
        c.energy_j = integrated_j;
        c.method = "integrated-power";
        c.note = std::move(note);
        return c;
    };
    if (!have_counter && !have_power) {
        c.energy_j = nan;
        c.method = "none";
        c.note = "neither the energy counter nor power could be read";
        return c;
    }
    if (!have_counter) return use_power("no energy counter: energy integrated from power");
    if (have_power && window_s < counter_period_s)
        return use_power(fmt::format("window {:.3f} s is shorter than the counter's update period ({:.0f} ms): "
                                     "energy integrated from power",
                                     window_s, counter_period_s * 1e3));
    if (have_power && counter_j == 0.0 && integrated_j > 0.0)
        return use_power("energy counter did not advance during the window: energy integrated from power");
    c.energy_j = counter_j;
    c.method = "counter";
    if (have_power && !std::isnan(c.relative_difference) && std::fabs(c.relative_difference) > tolerance)
        c.note = fmt::format("energy counter and integrated power differ by {:+.1f} % ({:+.3f} J)",
                             c.relative_difference * 100.0, c.difference_j);
    return c;
}

}  // namespace powerml::sensors
