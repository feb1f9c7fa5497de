#include "demo_prediction.hpp"

#include "demo_plan.hpp"

#include <fmt/format.h>

#include "powerml/core/error.hpp"
#include "powerml/core/units.hpp"
#include "powerml/workloads/energy_estimator.hpp"

namespace powerml::cli {

std::string demo_prediction(const record::RunRecord& record, int full_epochs, std::int64_t samples_per_epoch) {
    std::vector<double> energy, time;
    for (const auto& phase : record.summary.phases) {
        if (!phase.name.starts_with("epoch-")) continue;
        const auto it = phase.metrics.find("samples");
        if (it == phase.metrics.end() || it->second <= 0) continue;
        energy.push_back(phase.net_j / it->second);
        time.push_back((phase.end_s - phase.start_s) / it->second);
    }
    if (energy.empty()) return "  prediction: no measured epoch reported its samples, nothing to extrapolate\n";
    const double relative = record.summary.net_j > 0 ? record.summary.uncertainty_j / record.summary.net_j : 0.0;
    const auto e = workloads::extrapolate_training(energy, time, full_epochs, samples_per_epoch, relative);
    std::string out = fmt::format(
        "\nPrediction for the full training ({} epochs x {} images), from {} measured epoch(s); energy is linear in time "
        "(seed 001):\n",
        full_epochs, samples_per_epoch, e.observations);
    const auto unit = units::energy_unit_for({e.energy_j.value, e.energy_j.high});
    out += fmt::format("  energy    {} (95 %: {} .. {} {}), net of idle\n", units::format_energy_in(e.energy_j.value, unit),
                       units::format_significant(e.energy_j.low / unit.joules_per_unit),
                       units::format_significant(e.energy_j.high / unit.joules_per_unit), unit.symbol);
    out += fmt::format("  duration  {:.0f} s (95 %: {:.0f} .. {:.0f} s) on this machine\n", e.duration_s.value, e.duration_s.low,
                       e.duration_s.high);
    // The carbon layer reports no intensity (0) when the run's net energy was not positive.
    if (record.carbon.intensity_g_per_kwh && *record.carbon.intensity_g_per_kwh > 0 && record.carbon.zone) {
        out += fmt::format("  emissions {} in {} at {:.0f} gCO2e/kWh (this run's intensity, PUE {:.2f})\n",
                           units::format_mass_co2e(units::grams_co2e(e.energy_j.value * record.carbon.pue,
                                                                     *record.carbon.intensity_g_per_kwh)),
                           *record.carbon.zone,
                           *record.carbon.intensity_g_per_kwh, record.carbon.pue);
    }
    out += fmt::format("  interval: {}\n", e.interval_basis);
    out += demo_plan(e);
    return out;
}

}  // namespace powerml::cli
