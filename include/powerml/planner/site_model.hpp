#pragma once
// Everything the searches need to know about running the job at one site, worked out once:
// power with PUE, run time at the site's speed, the data transfer (time and energy), the
// window the job must fit in, and what a late finish costs. Plain data plus the small
// formulas both searches and the brute-force checks share.
#include "powerml/core/units.hpp"
#include "powerml/planner/intensity_integral.hpp"
#include "powerml/planner/job_spec.hpp"

namespace powerml::planner {

inline constexpr double k_ms_per_hour = 3600.0 * 1000.0;

// One stretch of running; an interruptible job has several.
struct Segment {
    UtcMillis start = 0;
    UtcMillis end = 0;
};

struct SiteModel {
    const Site* site = nullptr;
    const IntensityIntegral* here = nullptr;    // intensity at the site
    const IntensityIntegral* origin = nullptr;  // at the current site, when the data must move
    double power_w = 0.0;          // drawn from the grid while running (job or site power x PUE)
    UtcMillis run_ms = 0;          // run time at this site (reference duration / speed)
    UtcMillis transfer_ms = 0;     // data transfer before the start (0 at the current site)
    double transfer_energy_j = 0;  // network energy of that transfer
    UtcMillis window_start = 0;    // earliest start of the computation (after the transfer)
    UtcMillis window_end = 0;      // latest end: deadline, or earlier when drift caps the loss
    UtcMillis reference_end = 0;   // earliest possible finish at the current site: delay is measured from it
    double loss_pp_per_hour = 0;   // drift
    double g_per_accuracy_pp = 0;  // objective weights
    double g_per_hour_delay = 0;
    bool interruptible = false;
    Checkpoint checkpoint;
    UtcMillis checkpoint_ms = 0;
    UtcMillis min_segment_ms = 0;

    bool moved() const { return origin != nullptr; }
    // Hours the finished model arrives after reference_end (0 when earlier).
    double delay_h(UtcMillis end) const {
        return end > reference_end ? static_cast<double>(end - reference_end) / k_ms_per_hour : 0.0;
    }
    double accuracy_loss_pp(UtcMillis end) const { return loss_pp_per_hour * delay_h(end); }
    // The non-carbon part of the score, in grams CO2e equivalent.
    double end_penalty_g(UtcMillis end) const {
        return g_per_accuracy_pp * accuracy_loss_pp(end) + g_per_hour_delay * delay_h(end);
    }
    // Grams for `power` watts over an intensity integral in (g/kWh)·s.
    static double grams(double power, double integral) { return units::grams_co2e(power, integral); }
    // Grams of the transfer ending at `start`: half the energy at each end, spread evenly
    // over the transfer time. Needs both series to cover [start - transfer_ms, start].
    double transfer_g(UtcMillis start) const;
};

}  // namespace powerml::planner
