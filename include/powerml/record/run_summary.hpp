#pragma once
// The numbers people read about one run: energy per component and per phase, gross, idle
// baseline and net (seed 001 eq. 1-5), an uncertainty for each, and hardware usage. Computed
// once by analysis::summarize from every sample; every surface renders this, never recomputes.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "powerml/record/timeline.hpp"

namespace powerml::record {

// How the machine's idle power is shared out to the job (--idle-share), named in the output.
enum class IdleShare {
    busy,       // by the job's share of the machine's busy CPU time in each interval
    allocated,  // by the job's share of the machine's CPUs it may run on (cpuset, Slurm allocation)
    none,       // not at all: the job is charged only for the power above idle
};
std::string_view to_string(IdleShare policy);  // "busy" | "allocated" | "none"
std::optional<IdleShare> idle_share_from_string(std::string_view text);

// How memory (DRAM) energy is shared out to the job (--dram-share).
enum class DramShare {
    cpu,     // like the CPU: by the job's share of busy CPU time
    memory,  // by the job's share of the memory in use (its resident set over the machine's used memory)
};
std::string_view to_string(DramShare policy);  // "cpu" | "memory"
std::optional<DramShare> dram_share_from_string(std::string_view text);

struct AttributionPolicy {
    IdleShare idle = IdleShare::busy;
    DramShare dram = DramShare::cpu;
};

// The job's own share of one component's energy on a machine it may share with others:
// provenance "attributed", never a measurement of the job alone. Beside the machine's figures.
struct Attributed {
    double energy_j = 0;       // active_j + idle_j
    double active_j = 0;       // the job's share of the power above idle
    double idle_j = 0;         // the job's share of the idle power (by the idle policy)
    double share = 0;          // the job's mean share applied to the active power, 0..1
    double uncertainty_j = 0;  // 1 sigma; grows with the other tenants' share (docs/explanation/attribution.md)
    std::string method;        // "cpu-time share of active power; idle by busy share"
};

struct ComponentEnergy {
    std::string name;  // "package-0", "cpu", "gpu-0"
    Component component = Component::none;
    std::string source;  // "rapl", "model", "nvml"
    std::string signal;  // "RAPL::PKG_ENERGY"
    EnergyKind kind = EnergyKind::none;
    std::string model_id;  // for kind model
    std::string contained_in;
    bool summed = false;          // counted in the totals (not contained in another domain)
    double gross_j = 0;
    double baseline_power_w = 0;  // mean idle power measured before the job
    double baseline_j = 0;        // baseline_power_w x job duration
    double net_j = 0;
    double mean_power_w = 0;      // gross / duration
    double uncertainty_j = 0;     // 1 sigma of net
    std::optional<Attributed> attributed;  // nothing when the job's share could not be measured
};

// Hardware usage over a window (seed 003's indicators).
struct Usage {
    std::optional<double> cpu_util_mean;  // 0..1, whole machine
    std::optional<double> mem_used_mean_b;
    std::optional<double> mem_used_max_b;
    std::optional<double> disk_read_b, disk_write_b, net_rx_b, net_tx_b;
    std::optional<double> process_cpu_s;        // CPU seconds of the job's process tree
    std::optional<double> machine_busy_cpu_s;   // busy CPU seconds of the whole machine (all CPUs)
    std::optional<double> process_rss_mean_b;   // resident memory of the job's process tree
    std::optional<double> allowed_cpus_mean;    // CPUs the job may run on (its cpuset)
    std::optional<double> cpu_count;            // CPUs of the machine
    std::map<std::string, double> gauges_mean;  // every other gauge by column (GPU util, temperature, ...)
};

struct PhaseSummary {
    std::string name;
    int depth = 0;       // 0 = top level
    std::string parent;  // enclosing phase name, empty at top level
    double start_s = 0;  // seconds since the job started
    double end_s = 0;
    bool closed_at_exit = false;  // still open when the job ended
    double gross_j = 0;
    double baseline_j = 0;
    double net_j = 0;
    std::optional<double> attributed_j;  // the job's own share (provenance attributed), summed components
    Usage usage;
    std::map<std::string, double> metrics;  // last value of each metric reported inside the phase
};

// The job's share of the whole machine, summed over the summed components: beside the
// machine's figures, never instead of them. The attributed energies of jobs measured at once
// never add up to more than the machine's energy; the rest is other tenants plus idle.
struct RunAttribution {
    std::string scope;  // whose CPU time is the job's: "process-tree"
    AttributionPolicy policy;
    double job_cpu_s = 0;           // the job's CPU seconds
    double machine_busy_cpu_s = 0;  // the machine's busy CPU seconds over the same window
    double cpu_share = 0;           // job_cpu_s / machine_busy_cpu_s, 0..1
    std::optional<double> allocated_share;  // CPUs the job may use over the machine's CPUs
    std::optional<double> memory_share;     // job resident memory over machine memory in use
    double machine_j = 0;            // the machine's gross energy (summed components)
    double attributed_j = 0;         // the job's own energy
    double uncertainty_j = 0;        // 1 sigma
    double others_and_idle_j = 0;    // machine_j - attributed_j: other tenants plus unattributed idle
    bool headline = false;           // shared machine or busy baseline: the attributed figure leads
    std::string method;              // "cpu-time share of active power per interval; idle by busy share; dram by cpu share"
};

// How idle the "idle" baseline was: other tenants' load makes the subtracted baseline wrong.
struct BaselineIdleness {
    double cpu_util_mean = 0;  // machine CPU utilisation over the baseline, 0..1
    double cpu_util_sd = 0;    // its spread between samples
    double busy_cpu_s = 0;     // CPU seconds used by other processes during the baseline (the job had not started)
    double threshold = 0;      // the utilisation above which the baseline is called busy
    bool busy = false;
};

struct RunSummary {
    double duration_s = 0;  // the job's wall time
    double interval_s = 0;
    std::size_t samples = 0;  // every sample of the run, the idle baseline's included
    double baseline_s = 0;    // length of the idle baseline (0: none)
    double gross_j = 0, baseline_j = 0, net_j = 0, uncertainty_j = 0;
    std::vector<ComponentEnergy> components;
    std::vector<PhaseSummary> phases;
    std::map<std::string, double> metrics;  // last value of each metric in the run
    Usage usage;
    std::optional<RunAttribution> attribution;   // the job's own share (needs procfs CPU times)
    std::optional<BaselineIdleness> baseline_idleness;  // with a baseline and CPU utilisation
    DataQuality quality;
    std::vector<std::string> notes;  // what a reader must know about these numbers
};

}  // namespace powerml::record
