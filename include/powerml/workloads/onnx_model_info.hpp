#pragma once
// Model characteristics of any ONNX file (libonnx): parameters from the initializers, shapes
// from ONNX shape inference, MACs of Conv, Gemm and MatMul nodes under the same convention as
// the built-in models (model_characteristics.hpp). Without ONNX (POWERML_WITH_ONNX=OFF, or
// libonnx-dev missing) it throws "built without ONNX; reconfigure with -DPOWERML_WITH_ONNX=ON".
#include <filesystem>

#include "powerml/workloads/model_characteristics.hpp"

namespace powerml::workloads {

bool onnx_available();

// Throws Error naming the file and the node when the file cannot be read, a shape cannot be
// inferred (give the graph input fixed dimensions) or an operator's inputs are inconsistent.
ModelCharacteristics onnx_characteristics(const std::filesystem::path& file);

// The ONNX part is a plugin (libpowerml_onnx.so) loaded on first use; this is its entry point.
using OnnxCharacteristicsFn = ModelCharacteristics (*)(const std::filesystem::path& file);

}  // namespace powerml::workloads
