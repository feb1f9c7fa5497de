// A build without LibTorch: the Torch-only entry points fail loudly, never with a fake result.
#include "powerml/core/error.hpp"
#include "powerml/workloads/model_zoo.hpp"
#include "powerml/workloads/workload_runner.hpp"

namespace powerml::workloads {

bool torch_available() { return false; }

ModelCharacteristics builtin_characteristics(const std::string& name, ImageShape, int) {
    check_model_name(name);
    throw Error(k_no_torch_message);
}

WorkloadResult run_workload(const WorkloadSpec&, const WorkloadCallbacks&) { throw Error(k_no_torch_message); }

}  // namespace powerml::workloads
