#pragma once
// emissions.csv with CodeCarbon 3.x's columns, one row per run, so CodeCarbon's own file output
// appends to it and dashboards built for CodeCarbon read PowerML runs: energies in kWh,
// emissions in kg, powers in W, as it writes them. Energy and emissions share one basis: the
// energy the run's carbon was computed from (net of a measured idle baseline, times PUE).
#include <string>
#include <vector>

#include "powerml/report/report_input.hpp"

namespace powerml::report {

// CodeCarbon 3.x's column names in its order (what PowerML writes).
const std::vector<std::string>& codecarbon_columns();
// CodeCarbon 2.x's 31 columns (what older files hold; read_codecarbon_csv reads both).
const std::vector<std::string>& codecarbon2_columns();

std::string emissions_csv(const std::vector<RunInput>& runs, const std::string& project_name = "powerml");

// CodeCarbon's three energy buckets ("cpu", "gpu", "ram") for a component: psys (the whole
// platform) and the node go to cpu, as CodeCarbon puts everything RAPL measures that is not
// DRAM there.
const char* codecarbon_bucket(record::Component component);

// One sentence saying which energy emissions_csv() wrote (net or gross, times PUE).
std::string emissions_basis(const std::vector<RunInput>& runs);

}  // namespace powerml::report
