#pragma once
// One distributed job summed across its nodes: each node's meter wrote one run (or a few, when
// a meter died and another rank took over); the job is their sum, with each node's carbon in
// that node's own zone, and the nodes the scheduler named that never reported said as such.
#include <optional>
#include <string>
#include <vector>

#include "powerml/core/time.hpp"
#include "powerml/record/run_record.hpp"

namespace powerml::record {

struct JobComponentEnergy {
    std::string name;  // the channel's name ("package-0", "dram-0", "gpu0")
    Component component = Component::other;
    EnergyKind kind = EnergyKind::none;  // counter, integrated power or model, as measured
    double gross_j = 0, net_j = 0;
};

struct JobNode {
    std::string node;
    std::vector<std::string> run_ids;  // oldest first; more than one after a takeover
    std::vector<std::string> statuses;  // each run's: finished | interrupted
    UtcMillis started_utc_ms = 0, ended_utc_ms = 0;
    double gross_j = 0, baseline_j = 0, net_j = 0, uncertainty_j = 0;
    std::vector<JobComponentEnergy> components;  // summed components only
    std::optional<std::string> zone;
    std::optional<double> g_co2e;  // nothing when a run of the node had no zone
    double g_co2e_uncertainty = 0;
    std::optional<EnergyBasis> basis;  // nothing when the node's runs differ
    int ranks = 0;                      // ranks that reported into the node's runs
    int local_world_size = 1;           // ranks the launcher said the node would have
};

struct JobPhase {
    std::string node;
    std::string run_id;
    std::string name;  // "rank1/epoch-2"
    UtcMillis start_utc_ms = 0, end_utc_ms = 0;
    double net_j = 0;  // the node's net energy over the phase (every rank of the node shares it)
};

struct JobSummary {
    std::string key;
    std::vector<JobNode> nodes;                // by node name
    std::vector<std::string> expected_nodes;   // what the scheduler (or --expect-nodes) named
    std::vector<std::string> missing_nodes;    // expected, never reported: the sums leave them out
    int world_size = 0;                        // ranks the launcher said the job would have
    int ranks_reported = 0;
    UtcMillis started_utc_ms = 0, ended_utc_ms = 0;
    double gross_j = 0, baseline_j = 0, net_j = 0, uncertainty_j = 0;  // sums over the reported nodes
    std::optional<double> g_co2e;  // nothing when a node's carbon is unknown (no zone)
    double g_co2e_uncertainty = 0;
    std::optional<EnergyBasis> basis;  // nothing when the nodes' bases differ ("mixed")
    std::vector<JobPhase> phases;      // every node's phases by wall time
    std::vector<std::string> notes;
    bool complete() const { return missing_nodes.empty(); }
};

}  // namespace powerml::record
