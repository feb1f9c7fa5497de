#pragma once
// The demo's "when and where": the predicted full training handed to the planner with seed
// 000's sites (Cyprus, where the demo charges its energy, Great Britain and Sweden).
#include <string>

#include "powerml/workloads/energy_estimator.hpp"

namespace powerml::cli {

// A short text: the best start and site within the next 24 hours against starting now in
// Cyprus. Never throws: a planning failure becomes a line saying why.
std::string demo_plan(const workloads::TrainingEstimate& estimate);

}  // namespace powerml::cli
