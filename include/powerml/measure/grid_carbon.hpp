#pragma once
// The carbon function every front end installs in a Measurement (CLI `measure`/`demo`, Python
// Tracker): each interval's energy at the grid intensity of its hour, from the grid-data layer.
// It lives in its own target (powerml_measure_grid) so that Measurement itself does not depend
// on the carbon providers.
#include "powerml/measure/measurement.hpp"

namespace powerml::measure {

// Charges the job's net energy (gross minus the idle baseline) when a baseline was sampled,
// else its gross energy, at options.zone's intensity from options.carbon_source, times PUE.
CarbonFunction grid_carbon_function();

// Throws Error naming the zone when the grid-data layer does not know it (checked before a
// measurement starts, so that a typo does not cost a whole run).
void check_zone(const std::string& zone);

}  // namespace powerml::measure
