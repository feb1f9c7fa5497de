#pragma once
// The boundary between libpowerml and the Torch part, which is a separate shared object
// (libpowerml_torch.so) loaded only when a workload or a built-in model is used: linking
// LibTorch into `powerml` itself would cost every invocation ~0.6 s and ~160 MB to load it,
// including `powerml mark` inside training loops and `measure`'s own overhead.
#include "powerml/workloads/model_characteristics.hpp"
#include "powerml/workloads/workload_runner.hpp"

namespace powerml::workloads {

struct TorchPluginEntry {
    int abi_version;
    ModelCharacteristics (*characteristics)(const std::string& name, ImageShape input, int classes, const std::string& freeze);
    WorkloadResult (*run)(const WorkloadSpec& spec, const WorkloadCallbacks& callbacks);
};

// Bumped whenever the structs above change shape: a stale plugin is refused, never misread.
constexpr int k_torch_plugin_abi = 2;

}  // namespace powerml::workloads

// Exported by libpowerml_torch.so.
extern "C" const powerml::workloads::TorchPluginEntry* powerml_torch_plugin_entry();
