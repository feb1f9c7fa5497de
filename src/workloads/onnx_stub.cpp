// A build without libonnx: ONNX files are refused with the remedy, never guessed at.
#include "powerml/core/error.hpp"
#include "powerml/workloads/onnx_model_info.hpp"

namespace powerml::workloads {

bool onnx_available() { return false; }

ModelCharacteristics onnx_characteristics(const std::filesystem::path&) {
    throw Error("built without ONNX; reconfigure with -DPOWERML_WITH_ONNX=ON (Debian: apt-get install libonnx-dev)");
}

}  // namespace powerml::workloads
