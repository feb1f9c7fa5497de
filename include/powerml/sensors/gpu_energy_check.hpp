#pragma once
// Pieces the sampler uses to choose a GPU's energy for a window and to say how far the
// driver's energy counter and integrated power agree. The counter is preferred, but it
// advances only every 20-100 ms (FIELD-NOTES), so a shorter window reads 0 J from it.
#include <string>

namespace powerml::sensors {

struct GpuEnergyCheck {
    double energy_j = 0.0;    // the figure to use
    std::string method;       // "counter" or "integrated-power"
    double counter_j = 0.0;   // counter delta over the window (NaN when there is none)
    double integrated_j = 0.0;  // power integrated over the window (NaN when there is none)
    double difference_j = 0.0;  // counter - integrated (NaN unless both exist)
    double relative_difference = 0.0;  // difference / integrated (NaN unless both exist)
    std::string note;         // why the fallback was taken, or that the two disagree
};

// Default update period of the counter: the slow end of NVIDIA's 20-100 ms.
inline constexpr double k_nvml_counter_period_s = 0.1;

// counter_j / integrated_j may be NaN when absent. `tolerance` is the relative difference
// above which the note reports a disagreement (10 %: NVML power is a sampled average).
GpuEnergyCheck reconcile_gpu_energy(double counter_j, double integrated_j, double window_s,
                                    double counter_period_s = k_nvml_counter_period_s,
                                    double tolerance = 0.10);

}  // namespace powerml::sensors
