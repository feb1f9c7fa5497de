#pragma once
// One power model: how a component's power follows its load, which hardware it is for, and
// where its numbers come from. A model file (TOML, docs/reference/power-model-format.md) holds
// one or many of these; the catalog, the matcher and the fitter all pass this struct around.
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace powerml::power_models {

enum class ComponentKind { cpu, gpu, dram, accelerator, nic, node };
enum class Form {
    constant,   // P = watts
    linear,     // P = idle_w + (max_w - idle_w) u
    piecewise,  // straight lines through measured (u, W) points
    power,      // P = idle_w + (max_w - idle_w) u^exponent
    dram,       // P = N_DIMM x 1/2 C V^2 f (seed 001)
    network,    // P = idle_w + joules_per_byte x bytes/s
};
// What one set of the model's watts stands for; the machine supplies how many there are.
enum class Scale { machine, socket, vcpu, device };

std::string_view to_string(ComponentKind kind);
std::string_view to_string(Form form);
std::string_view to_string(Scale scale);
std::optional<ComponentKind> component_kind_from(std::string_view text);
std::optional<Form> form_from(std::string_view text);
std::optional<Scale> scale_from(std::string_view text);

// Which hardware a model is for. Every non-empty rule must hold; within a rule any entry may.
struct MatchRules {
    std::vector<std::string> cpu;       // CPU model names, compared by normalised tokens
    std::vector<std::string> gpu;       // GPU names ("Tesla T4", "RTX 3090")
    std::vector<std::string> instance;  // cloud instance types, exact ("m5.large")
    std::vector<std::string> board;     // system or board names, substring ("PowerEdge R610")
    std::optional<bool> vm;             // only on (true) or off (false) a virtual machine
    bool fallback = false;              // matches any machine, at the lowest score
    bool manual = false;                // never chosen by itself: only when pinned by configuration
    bool empty() const { return cpu.empty() && gpu.empty() && instance.empty() && board.empty() && !vm && !fallback && !manual; }
};

// How a fitted model was made: the quality figures the fitter reported.
struct FitInfo {
    std::string run;      // run id it was fitted from
    int samples = 0;
    double r2 = 0;        // coefficient of determination on all samples
    double mape = 0;      // mean absolute percentage error (ratio, 0.05 = 5 %), held out
    double rmse_w = 0;    // held-out root mean square error
    std::string input;    // the utilisation signal ("PROCFS::CPU_UTIL@cpu")
};

// Where a model was read from, for error messages and precedence.
enum class Origin { shipped, user, file };
struct SourceLocation {
    std::string file;
    int line = 0;
    Origin origin = Origin::file;
};

struct PowerModel {
    std::string id;  // unique, [a-z0-9._:/+-]
    ComponentKind kind = ComponentKind::cpu;
    Form form = Form::constant;
    Scale scale = Scale::machine;
    MatchRules match;
    std::string source;   // where the numbers come from (datasheet, data set, measurement)
    std::string licence;  // of the numbers
    std::string description;
    double relative_uncertainty = 0.3;

    double watts = 0;              // constant
    double idle_w = 0, max_w = 0;  // linear, power; idle_w also for network
    double exponent = 1;           // power
    std::vector<std::pair<double, double>> points;  // piecewise: (utilisation 0..1, W), u increasing
    // dram: C in farads; V and f are defaults used when the machine's DIMMs cannot be read.
    double capacitance_f = 0, voltage_v = 0, frequency_hz = 0;
    int dimms = 0;                 // 0: count the machine's DIMMs
    double joules_per_byte = 0;    // network

    std::optional<FitInfo> fit;
    SourceLocation location;

    // Watts of one unit (see scale) at utilisation u in [0, 1] (clamped). Network: `load` is
    // bytes per second. dram: one DIMM at the model's own V and f.
    double watts_at(double load) const;
    // 1/2 C V^2 f for one DIMM.
    double dimm_watts(double voltage, double frequency) const { return 0.5 * capacitance_f * voltage * voltage * frequency; }
    // A one-line human formula: "P = 9.5 + 85.5 u W per socket".
    std::string formula() const;
};

}  // namespace powerml::power_models
