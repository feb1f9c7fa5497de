#pragma once
// The built-in CNNs (LibTorch), seen from code that does not include Torch: their names and
// characteristics. Without Torch (POWERML_WITH_TORCH=OFF, or Torch not found) every function
// that needs a model throws Error "built without Torch; reconfigure with -DPOWERML_WITH_TORCH=ON".
#include <string>
#include <vector>

#include "powerml/workloads/model_characteristics.hpp"

namespace powerml::workloads {

struct ZooEntry {
    std::string name;         // "resnet18"
    std::string description;  // one line, with the size class
};

// True when this build has LibTorch.
bool torch_available();
// The message every Torch-only path throws in a build without it.
extern const char* const k_no_torch_message;

// Every built-in model (also without Torch: the list is for --help and error messages).
std::vector<ZooEntry> zoo_models();
// Seed 001's sixteen CIFAR-10 models, in its alphabetical order (`--models seed001`).
std::vector<std::string> seed001_models();
// Throws Error naming --model and listing the known names when `name` is not one of them.
void check_model_name(const std::string& name);

// Builds the model for this input and class count and counts its characteristics by running
// one sample through it; `freeze` (WorkloadSpec::freeze) decides which parameters count as
// trainable. Throws Error when the input is too small for the architecture or `freeze` names
// nothing in it.
ModelCharacteristics builtin_characteristics(const std::string& name, ImageShape input, int classes,
                                             const std::string& freeze = "");

}  // namespace powerml::workloads
