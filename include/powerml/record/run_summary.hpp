#pragma once
// The numbers people read about one run: energy per component and per phase, gross, idle
// baseline and net (seed 001 eq. 1-5), an uncertainty for each, and hardware usage. Computed
// once by analysis::summarize from every sample; every surface renders this, never recomputes.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "powerml/record/timeline.hpp"

namespace powerml::record {

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
};

// Hardware usage over a window (seed 003's indicators).
struct Usage {
    std::optional<double> cpu_util_mean;  // 0..1, whole machine
    std::optional<double> mem_used_mean_b;
    std::optional<double> mem_used_max_b;
    std::optional<double> disk_read_b, disk_write_b, net_rx_b, net_tx_b;
    std::optional<double> process_cpu_s;        // CPU seconds of the job's process tree
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
    Usage usage;
    std::map<std::string, double> metrics;  // last value of each metric reported inside the phase
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
    DataQuality quality;
    std::vector<std::string> notes;  // what a reader must know about these numbers
};

}  // namespace powerml::record
