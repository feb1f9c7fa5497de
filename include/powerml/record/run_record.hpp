#pragma once
// A finished (or interrupted) measurement as it is kept, exported and shown: who ran what,
// when, its summary and its carbon. One value per run; the store returns it typed and every
// surface (terminal, files, report, HTTP, Python) renders it.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "powerml/core/time.hpp"
#include "powerml/record/run_summary.hpp"

namespace powerml::record {

// Which of the run's energies carbon is charged on.
enum class EnergyBasis {
    gross,  // no idle baseline was measured: everything the components used
    net,    // gross minus the idle baseline: what the job added to the idle machine (seed 001)
};
std::string_view to_string(EnergyBasis basis);  // "gross" | "net"
// The words every surface uses for the basis: "net energy (gross minus idle baseline)".
std::string_view describe(EnergyBasis basis);

struct RunCarbon {
    std::optional<std::string> zone;  // nothing when no zone was given
    std::optional<double> g_co2e;     // nothing when no zone was given: never a silent 0
    double g_co2e_uncertainty = 0;
    std::string intensity_source;               // "embedded: Electricity Maps yearly average 2024 (CY)"
    std::optional<double> intensity_g_per_kwh;  // energy-weighted mean intensity used
    double pue = 1.0;
    EnergyBasis basis = EnergyBasis::gross;  // the energy g_co2e was computed from
    double energy_j = 0;                     // that energy (before PUE)
    std::string note;
};

// The run's energy as a wall meter would have read it, from this machine's fitted correction
// wall = a x sensors + b (sensors/wall_correction.hpp). An estimate, labelled as such.
struct WallCorrected {
    double gross_j = 0, baseline_j = 0, net_j = 0;
    std::string label;  // "wall-corrected: wall = 1.12 x sensors + 41.3 W (r2 0.97, 600 intervals)"
};

// One process of a distributed job that reported into this run (a torchrun or Slurm rank on
// this node). The rank that meters the node is `metering`; the others send it their phases.
struct RankSeen {
    int rank = 0;        // global rank (RANK, SLURM_PROCID, OMPI_COMM_WORLD_RANK); -1 when unknown
    int local_rank = 0;  // on this node (LOCAL_RANK, SLURM_LOCALID, OMPI_COMM_WORLD_LOCAL_RANK)
    int pid = 0;
    bool metering = false;
};

// Which job the run belongs to, when it is one part of a job over several ranks or nodes. A
// job's runs share `key`; `powerml runs job KEY` sums them, one node's meter each.
struct JobIdentity {
    std::string key;     // "slurm:4242.0", "torchrun:<rendezvous id>", or what --job-key gave
    std::string source;  // "slurm" | "torchrun" | "torch" (no run id) | "mpi" | "flag"
    std::string node;    // this node's name (the host's, or SLURMD_NODENAME)
    int local_world_size = 1;   // ranks expected on this node
    int world_size = 1;         // ranks expected in the whole job
    std::vector<std::string> expected_nodes;  // every node the scheduler gave the job, when known
    std::vector<RankSeen> ranks;               // the ranks that reported into this run
    // Set when this node's meter was taken over after the previous meter died: the energy
    // between its last stored sample and this run's first is not measured.
    std::string took_over_from;  // run id of the previous meter's run
};

struct RunRecord {
    std::string id;  // "20261123T131500Z-3f2a"
    std::vector<std::string> command;
    std::string host;
    // Who ran it, for joining with a scheduler's records: {"slurm_job_id": "42"} (summary.json "labels").
    std::map<std::string, std::string> labels;
    UtcMillis started_utc_ms = 0;  // when the job started (after the baseline)
    UtcMillis ended_utc_ms = 0;
    int exit_status = 0;
    std::string status = "finished";  // "running" while measuring, "interrupted" if powerml died
    RunSummary summary;
    RunCarbon carbon;
    std::optional<WallCorrected> wall_corrected;
    std::optional<JobIdentity> job;  // nothing for a run that is not part of a distributed job
};

}  // namespace powerml::record
