#pragma once
// The explicit list of built-in sources (no static-initialiser registration), and the choice
// of which of them a measurement uses on this machine.
#include <vector>

#include "powerml/sensors/sensor.hpp"

namespace powerml::sensors {

// Probes every built-in source, usable or not, in a fixed order; `powerml sensors` lists these.
std::vector<Probe> probe_all(const ProbeContext& context);

// The sensors a measurement should use: every usable hardware source, plus power models for
// components no hardware source covers (never both for one component, so nothing counts twice).
// `notes` receives one line per decision worth telling the user ("no RAPL: CPU power is modelled").
std::vector<std::unique_ptr<Sensor>> select_for_measurement(std::vector<Probe>& probes,
                                                            std::vector<std::string>& notes);

ProbeContext default_probe_context();

}  // namespace powerml::sensors
