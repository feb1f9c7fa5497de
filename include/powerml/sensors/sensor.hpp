#pragma once
// The interface every power and usage source implements (the geopm IOGroup shape).
// A sensor reports raw values: monotone counters with their wrap range, or gauges. It never
// integrates, prints or exits: the sampler alone turns counters into energy, once, with tests.
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace powerml::sensors {

enum class SignalKind {
    counter,  // monotone raw value that may wrap at `wrap_at` (energy in J, bytes, CPU seconds)
    gauge,    // instantaneous value (power in W, utilisation ratio, bytes in use, degrees C)
};

enum class Provenance {
    hardware,  // read from a counter or sensor in the machine
    model,     // computed from utilisation with a power model: not a measurement
};

struct SignalInfo {
    std::string name;    // "RAPL::PKG_ENERGY": SOURCE::SIGNAL in upper case, public API
    int domain_idx = 0;  // which instance (package 0, GPU 1, core 3)
    std::string domain;  // human name of the instance: "package-0", "gpu-0", "cpu"
    std::string unit;    // SI: "J", "W", "s", "B", "ratio", "C", "Hz"
    SignalKind kind = SignalKind::gauge;
    double wrap_at = 0.0;     // counters: the raw value after which the counter restarts at 0; 0 = never
    double resolution = 0.0;  // smallest step of the raw value, in `unit`, for uncertainty
    // Energy and power signals only: the component they account for ("cpu", "dram", "gpu",
    // "psys", "node"). Empty for usage signals (utilisation, memory, bytes).
    std::string component;
    // Non-empty when this domain's energy is already part of another reported domain (RAPL core
    // inside package, package inside psys): listed, never summed, so nothing is double-counted.
    std::string contained_in;
    Provenance provenance = Provenance::hardware;
    std::string model_id;               // Provenance::model: which power model produced it
    double relative_uncertainty = 0.0;  // stated relative error (models, sensors with known error)
    std::string description;
};

inline bool is_energy_counter(const SignalInfo& s) { return s.kind == SignalKind::counter && s.unit == "J"; }
inline bool is_power_gauge(const SignalInfo& s) { return s.kind == SignalKind::gauge && s.unit == "W"; }

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
};

}  // namespace powerml::sensors
