#pragma once
// What seed 001 records about a model next to its energy: size, total and trainable
// parameters, buffers, and multiply-accumulate operations (MACs) per layer and in total.
//
// Counting convention (the same for built-in models and ONNX files, so the two agree):
// MACs are those of convolutions (output elements x input channels per group x kernel area)
// and fully connected layers / matrix products (inputs x outputs); bias additions, batch
// normalisation, activations and pooling are not MACs. This is the convention behind the
// published ResNet-18 figure of 1.82 GMACs at 224x224.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "powerml/workloads/image_dataset.hpp"

namespace powerml::workloads {

struct LayerInfo {
    std::string name;                    // "features.0.conv", an ONNX node name
    std::string type;                    // "Conv2d", "Linear", "Conv", "Gemm", "MatMul"
    std::vector<std::int64_t> output_shape;  // one sample: C x H x W or features
    std::int64_t params = 0;             // parameters owned by the layer (weights + bias)
    double macs = 0;                     // per sample
};

struct ModelCharacteristics {
    std::string model;                   // "resnet18", or the ONNX file's name
    std::string source;                  // "builtin" | "onnx"
    ImageShape input;
    int classes = 0;
    std::int64_t total_params = 0;
    std::int64_t trainable_params = 0;
    std::int64_t buffers = 0;            // elements of non-trainable state (batch-norm statistics)
    double size_bytes = 0;               // parameters and buffers as stored (float32: 4 bytes each)
    double macs = 0;                     // per sample, sum over layers
    std::vector<LayerInfo> layers;       // only layers that perform MACs

    double macs_per_param() const { return total_params > 0 ? macs / static_cast<double>(total_params) : 0.0; }
};

nlohmann::json to_json(const ModelCharacteristics& info, bool with_layers);
ModelCharacteristics characteristics_from_json(const nlohmann::json& j);
// A readable block: totals, then one line per layer when `with_layers`.
std::string format_characteristics(const ModelCharacteristics& info, bool with_layers);

}  // namespace powerml::workloads
