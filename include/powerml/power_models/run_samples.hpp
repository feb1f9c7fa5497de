#pragma once
// Pairs of (utilisation, measured watts) from a recorded run, for the fitter: per interval, the
// utilisation gauge and the energy of the hardware channels of a component divided by the
// interval's length.
#include <string>
#include <vector>

#include "powerml/power_models/fitter.hpp"
#include "powerml/record/timeline.hpp"

namespace powerml::power_models {

struct RunSamples {
    std::vector<Sample> samples;
    std::string input;               // utilisation column used ("PROCFS::CPU_UTIL@cpu")
    std::vector<std::string> power;  // power/energy columns summed
};

// component: cpu | dram | node (utilisation = PROCFS::CPU_UTIL@cpu) or gpu (a *GPU_UTIL
// gauge). Measured power: hardware channels of that component (node: every summed hardware
// channel, or psys). Throws Error naming what the run lacks.
RunSamples samples_from_run(const record::Timeline& timeline, ComponentKind component);

}  // namespace powerml::power_models
