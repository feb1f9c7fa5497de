#pragma once
// Handing the decision to the scheduler a fleet already has (ARCHITECTURE.md "Where it
// scales out"): a Slurm sbatch line, or a Kubernetes Job that waits for the chosen time on
// nodes labelled for the chosen site.
#include <string>

#include "powerml/planner/job_spec.hpp"
#include "powerml/planner/planner.hpp"

namespace powerml::planner {

// `TZ=UTC sbatch --begin=... [--clusters=...] ...` (one line per segment when the job pauses).
std::string slurm_commands(const Plan& plan, const JobSpec& job);
// One batch/v1 Job manifest per segment, YAML, separated by "---".
std::string kubernetes_manifest(const Plan& plan, const JobSpec& job);

}  // namespace powerml::planner
