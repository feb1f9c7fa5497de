#pragma once
// What one sampled signal is: its unit, its kind (counter or gauge), the component whose energy
// it accounts for, and where its values come from. Shared by sensors (which describe what they
// deliver), the sampler (which turns counters into energy) and every reader of a run.
#include <optional>
#include <string>
#include <string_view>

namespace powerml::record {

// SI units of a signal's values. Spelled as symbols ("J", "W", ...) in files and APIs.
enum class Unit {
    joule,    // "J"
    watt,     // "W"
    second,   // "s"
    byte,     // "B"
    ratio,    // "ratio": 0..1
    celsius,  // "C"
    hertz,    // "Hz"
    volt,     // "V"
    ampere,   // "A"
    count,    // "count": a dimensionless number (P-state, PCIe generation)
};
std::string_view to_string(Unit unit);
std::optional<Unit> unit_from_string(std::string_view symbol);

// The part of the machine an energy or power signal accounts for.
enum class Component {
    none,   // a usage signal (utilisation, bytes, temperature)
    cpu,    // processor packages (RAPL package, core, uncore; modelled CPU)
    dram,   // memory
    gpu,    // a GPU or accelerator board
    psys,   // Intel platform domain: SoC plus memory
    node,   // the whole machine (a wall meter, a board rail total)
    soc,    // a rail feeding several parts of a system on chip (Jetson VDD_CPU_GPU_CV)
    other,  // a power rail that belongs to none of the above
};
std::string_view to_string(Component component);  // "" for none
// "" -> none; "ram"/"memory" -> dram. Nothing for an unknown name.
std::optional<Component> component_from_string(std::string_view name);

enum class SignalKind {
    counter,  // monotone raw value that may wrap at `wrap_at` (energy in J, bytes, CPU seconds)
    gauge,    // instantaneous value (power in W, utilisation ratio, bytes in use, degrees C)
};

// Where a signal's values come from.
enum class Provenance {
    hardware,  // read from a counter or sensor in the machine
    model,     // computed from utilisation with a power model: not a measurement
};
std::string_view to_string(Provenance provenance);  // "hardware" | "model"

struct SignalInfo {
    std::string name;    // "RAPL::PKG_ENERGY": SOURCE::SIGNAL in upper case, public API
    int domain_idx = 0;  // which instance (package 0, GPU 1, core 3)
    std::string domain;  // human name of the instance: "package-0", "gpu-0", "cpu"
    Unit unit = Unit::ratio;
    SignalKind kind = SignalKind::gauge;
    double wrap_at = 0.0;     // counters: the raw value after which the counter restarts at 0; 0 = never
    double resolution = 0.0;  // smallest step of the raw value, in `unit`, for uncertainty
    // Energy and power signals only: the component they account for. none for usage signals.
    Component component = Component::none;
    // Non-empty when this domain's energy is already part of another reported domain (RAPL core
    // inside package, package inside psys): listed, never summed, so nothing is double-counted.
    std::string contained_in;
    Provenance provenance = Provenance::hardware;
    std::string model_id;               // Provenance::model: which power model produced it
    double relative_uncertainty = 0.0;  // stated relative error (models, sensors with known error)
    std::string description;
};

inline bool is_energy_counter(const SignalInfo& s) { return s.kind == SignalKind::counter && s.unit == Unit::joule; }
inline bool is_power_gauge(const SignalInfo& s) { return s.kind == SignalKind::gauge && s.unit == Unit::watt; }

}  // namespace powerml::record
