#pragma once
// What the planner is asked: one training job (its energy profile, time window, data and
// constraints) and the sites it could run at. Values are SI units (s, W, J); times UTC ms.
#include <optional>
#include <string>
#include <vector>

#include "powerml/core/time.hpp"

namespace powerml::planner {

// The cost of one pause of an interruptible job: wall time lost saving and restoring state
// (the job runs at its own power meanwhile) and energy beyond that (e.g. writing the
// checkpoint to remote storage).
struct Checkpoint {
    double seconds = 0.0;
    double energy_j = 0.0;
};

// Concept drift: every hour the finished model arrives later than it could have, it loses
// accuracy (percentage points). Options over the maximum are not offered.
struct Drift {
    double loss_pp_per_hour = 0.0;
    std::optional<double> max_loss_pp;
};

// The score the search minimises, in grams CO2e: emissions plus what the user says an
// accuracy point and an hour of delay are worth. Both weights 0: carbon only.
struct Objective {
    double g_per_accuracy_pp = 0.0;
    double g_per_hour_delay = 0.0;
};

struct Site {
    std::string name;
    std::string zone;              // grid zone whose intensity series applies
    std::string jurisdiction;      // "EU", "UK", ...: checked against allowed_jurisdictions
    bool current = false;          // where the data and the job are now
    double pue = 1.0;
    double speed = 1.0;            // throughput relative to the reference hardware
    std::optional<double> power_w; // overrides the job's power at this site
    double network_kwh_per_gb = 0.0;
    double bandwidth_gbps = 1.0;
    std::string slurm_cluster;     // for --emit slurm; empty: the site's name
    std::string node_label;        // for --emit kubernetes; empty: powerml.io/site=<name>
};

struct JobSpec {
    std::string name;
    double duration_s = 0.0;  // at the reference hardware (speed 1)
    double power_w = 0.0;     // mean power at the reference hardware
    std::string profile_origin = "job file";  // or the run directory it came from
    std::optional<UtcMillis> earliest_start;  // none: "now", supplied by the caller
    UtcMillis deadline = 0;                   // the job must have finished by then
    bool interruptible = false;
    Checkpoint checkpoint;
    double min_segment_s = 0.0;
    double data_gb = 0.0;
    std::vector<std::string> allowed_jurisdictions;  // empty: any
    std::optional<Drift> drift;
    Objective objective;
    std::vector<Site> sites;
    // Hand-off to schedulers (optional).
    std::string script;                // Slurm batch script
    std::string image;                 // Kubernetes container image
    std::vector<std::string> command;  // Kubernetes container command

    // The one site marked current.
    const Site& current_site() const;
    bool jurisdiction_allowed(const std::string& jurisdiction) const;
};

}  // namespace powerml::planner
