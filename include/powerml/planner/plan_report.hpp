#pragma once
// A plan as the `plan` contract's JSON (ARCHITECTURE.md: baseline, best, ranked options with
// site, zone, start, end, g_co2e, savings_g, savings_pct; times RFC 3339 UTC; energies in J)
// and as text for people: a table and one plain sentence.
#include <string>

#include <nlohmann/json.hpp>

#include "powerml/planner/planner.hpp"

namespace powerml::planner {

nlohmann::json plan_to_json(const Plan& plan);
// "Start at 10:00 UTC in nicosia-mec instead of now: 1.9 kg CO2e less (31 %)."
std::string plan_sentence(const Plan& plan);
std::string plan_to_text(const Plan& plan);

}  // namespace powerml::planner
