#pragma once
// The interface every power and usage source implements (the geopm IOGroup shape).
// A sensor reports raw values: monotone counters with their wrap range, or gauges. It never
// integrates, prints or exits: the sampler alone turns counters into energy, once, with tests.
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "powerml/record/signal.hpp"

namespace powerml::sensors {

using record::is_energy_counter;
using record::is_power_gauge;
using record::Provenance;
using record::SignalInfo;
using record::SignalKind;

class Sensor {
public:
    virtual ~Sensor() = default;
    // Source name, lower case: "procfs", "rapl", "model", "nvml". Public API.
    virtual std::string_view name() const noexcept = 0;
    // Every (signal, domain) this sensor can deliver on this machine.
    virtual std::vector<SignalInfo> signals() const = 0;
    // Subscribes to one signal instance; returns a handle for sample(). Throws Error if unknown.
    virtual int push_signal(std::string_view signal, int domain_idx) = 0;
    // One pass over the hardware for every pushed signal. Must not throw for read failures:
    // a failed read makes sample() return NaN for that handle until the next good read.
    virtual void read_batch() = 0;
    // Like read_batch(), but refreshes every signal even where a sensor reads slow-moving ones
    // less often than every sample. The sampler uses it for the first and last samples of a
    // window, where totals are taken.
    virtual void read_batch_full() { read_batch(); }
    // The shortest period at which reading this sensor means something (utilisation from clock
    // ticks) or is worth its cost; 0: every sample. The sampler reads a sensor at its interval or
    // this period, whichever is longer, and at every full sample; between reads sample() keeps
    // giving the last values. Energy counters and power gauges leave it at 0, so that they are
    // read at the rate asked for.
    virtual double min_read_period_s() const { return 0.0; }
    // The value of a pushed signal from the last read_batch(), in SI units; NaN when unreadable.
    virtual double sample(int handle) const = 0;
    // The process whose tree a job's usage is charged to (procfs); others ignore it.
    virtual void attach_process(int /*pid*/) {}
};

// What probing a source on this machine found: a working sensor, or why not and what to do.
struct Probe {
    std::string source;              // "rapl"
    std::unique_ptr<Sensor> sensor;  // null when not usable
    std::string reason;              // why not usable (empty when usable)
    std::string remedy;              // what the user can do about it
    std::string detail;              // what was found (zones, devices, model used)
};

struct ProbeContext {
    std::filesystem::path sysfs_root;   // "/sys" or POWERML_SYSFS_ROOT
    std::filesystem::path procfs_root;  // "/proc" or POWERML_PROCFS_ROOT
    std::filesystem::path data_dir;     // shipped data (TDP table, power models)
    std::filesystem::path cgroup_root = "/sys/fs/cgroup";  // cgroup v2 mount, or POWERML_CGROUP_ROOT
    // The job's cgroup (--cgroup), relative to cgroup_root; empty: detect a Slurm job/step,
    // Kubernetes pod or systemd scope from /proc/self/cgroup (the job inherits powerml's).
    std::filesystem::path job_cgroup;
};

}  // namespace powerml::sensors
