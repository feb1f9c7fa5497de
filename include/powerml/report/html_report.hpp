#pragma once
// The efficiency report: one self-contained HTML file (inline CSS and SVG, no script, no
// network) with power over time per component and phase bands, energy per phase and per
// epoch, accuracy and efficiency per epoch, the spread across repetitions, scenarios side by
// side with baseline-adjusted energy, data-quality notes and provenance.
#include <string>

#include "powerml/report/report_input.hpp"

namespace powerml::report {

std::string render_html(const ReportInput& input);

}  // namespace powerml::report
