#pragma once
// emissions.csv with CodeCarbon's columns, one row per run, so dashboards built for
// CodeCarbon read PowerML runs: energies in kWh, emissions in kg, powers in W, as it writes them.
#include <string>
#include <vector>

#include "powerml/report/report_input.hpp"

namespace powerml::report {

// CodeCarbon's column names in its order.
const std::vector<std::string>& codecarbon_columns();

std::string emissions_csv(const std::vector<RunInput>& runs, const std::string& project_name = "powerml");

}  // namespace powerml::report
