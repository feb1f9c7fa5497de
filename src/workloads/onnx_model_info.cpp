// Characteristics of an ONNX model: what seed 001 computes with PyTorch tools, for files from
// any framework. Batch dimensions (symbolic or not) count as one sample.
#include "powerml/workloads/onnx_model_info.hpp"

#include <fstream>
#include <map>
#include <set>

#include <fmt/format.h>
#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>

#include "powerml/core/error.hpp"
#include "powerml/core/paths.hpp"
#include "powerml/workloads/onnx_precheck.hpp"

namespace powerml::workloads {

namespace {

using Dims = std::vector<std::int64_t>;

Dims dims_of(const onnx::TypeProto& type) {
    Dims dims;
    if (!type.has_tensor_type() || !type.tensor_type().has_shape()) return dims;
    for (const auto& d : type.tensor_type().shape().dim()) dims.push_back(d.has_dim_value() ? d.dim_value() : -1);
    return dims;
}

// Shapes come from the file and from shape inference: a product that overflows (or a
// negative dimension) is refused, not computed with undefined behaviour.
std::int64_t product(const Dims& dims, std::size_t from = 0) {
    std::int64_t n = 1;
    for (std::size_t i = from; i < dims.size(); ++i) {
        if (dims[i] < 0) throw Error(fmt::format("a shape has the negative dimension {}", dims[i]));
        if (__builtin_mul_overflow(n, dims[i], &n)) throw Error("a shape has more elements than a 64-bit count holds");
    }
    return n;
}

int element_bytes(int data_type) {
    switch (data_type) {
        case onnx::TensorProto::DOUBLE:
        case onnx::TensorProto::INT64:
        case onnx::TensorProto::UINT64: return 8;
        case onnx::TensorProto::FLOAT16:
        case onnx::TensorProto::BFLOAT16:
        case onnx::TensorProto::INT16:
        case onnx::TensorProto::UINT16: return 2;
        case onnx::TensorProto::INT8:
        case onnx::TensorProto::UINT8:
        case onnx::TensorProto::BOOL: return 1;
        default: return 4;
    }
}

}  // namespace

// Built into the ONNX plugin (libpowerml_onnx.so, see onnx_backend.cpp): linking libonnx and
// protobuf into `powerml` itself made every invocation pay for loading them.
ModelCharacteristics onnx_characteristics_in_plugin(const std::filesystem::path& file) {
    // The plugin can be called on its own: the structure is checked before libonnx sees it.
    const std::string bytes = paths::read_input_file(file, k_onnx_max_bytes, "ONNX file");
    precheck_onnx(bytes, file.string());
    onnx::ModelProto model;
    if (!model.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
        throw Error(file.string() + ": not an ONNX model (protobuf parse failed)");
    try {
        onnx::shape_inference::InferShapes(model);
    } catch (const std::exception& e) {
        throw Error(fmt::format("{}: ONNX shape inference failed: {}", file.string(), e.what()));
    }
    const onnx::GraphProto& graph = model.graph();

    std::map<std::string, Dims> shapes;
    std::map<std::string, const onnx::TensorProto*> initializers;
    for (const auto& init : graph.initializer()) {
        initializers[init.name()] = &init;
        shapes[init.name()] = Dims(init.dims().begin(), init.dims().end());
    }
    for (const auto* list : {&graph.input(), &graph.value_info(), &graph.output()})
        for (const auto& value : *list)
            if (!shapes.contains(value.name()) || shapes[value.name()].empty()) shapes[value.name()] = dims_of(value.type());

    ModelCharacteristics info;
    info.model = file.filename().string();
    info.source = "onnx";
    for (const auto& input : graph.input()) {
        if (initializers.contains(input.name())) continue;
        const Dims d = dims_of(input.type());
        if (d.size() == 4) info.input = {static_cast<int>(d[1]), static_cast<int>(d[2]), static_cast<int>(d[3])};
        break;
    }
    if (graph.output_size() > 0) {
        const Dims out = shapes[graph.output(0).name()];
        if (out.size() == 2 && out[1] > 0) info.classes = static_cast<int>(out[1]);
    }

    // Batch-norm running statistics are state, not learnable weights (PyTorch's buffers).
    std::set<std::string> buffer_names;
    for (const auto& node : graph.node())
        if (node.op_type() == "BatchNormalization")
            for (int i = 3; i < std::min(node.input_size(), 5); ++i) buffer_names.insert(node.input(i));
    for (const auto& [name, init] : initializers) {
        const std::int64_t n = product(Dims(init->dims().begin(), init->dims().end()));
        info.size_bytes += static_cast<double>(n * element_bytes(init->data_type()));
        if (buffer_names.contains(name)) {
            info.buffers += n;
        } else {
            info.total_params += n;
            info.trainable_params += n;
        }
    }

    int index = 0;
    for (const auto& node : graph.node()) {
        ++index;
        const std::string& op = node.op_type();
        if (op != "Conv" && op != "Gemm" && op != "MatMul") continue;
        const std::string name = node.name().empty() ? fmt::format("{}_{}", op, index) : node.name();
        // A shape with a symbolic (unknown) first dimension counts it as one sample; any other
        // unknown dimension means the MACs cannot be counted.
        const auto shape_of = [&](const std::string& tensor) -> Dims {
            const auto it = shapes.find(tensor);
            Dims d = it == shapes.end() ? Dims{} : it->second;
            if (!d.empty() && d[0] < 0) d[0] = 1;  // symbolic batch
            bool known = !d.empty();
            for (const auto v : d) known = known && v > 0;
            if (!known)
                throw Error(fmt::format("{}: node '{}' ({}): no shape for '{}' after shape inference; give the graph input fixed "
                                        "dimensions",
                                        file.string(), name, op, tensor));
            return d;
        };
        if (node.input_size() < 2 || node.output_size() < 1)
            throw Error(fmt::format("{}: node '{}' ({}) has too few inputs or outputs", file.string(), name, op));
        const Dims out = shape_of(node.output(0));
        const Dims weight = shape_of(node.input(1));
        LayerInfo layer;
        layer.name = name;
        layer.type = op;
        layer.output_shape = Dims(out.begin() + 1, out.end());
        if (op == "Conv") {
            if (weight.size() != 4 || out.size() != 4)
                throw Error(fmt::format("{}: Conv node '{}' is not 2-D (weight rank {}, output rank {})", file.string(), name,
                                        weight.size(), out.size()));
            layer.macs = static_cast<double>(product(out, 1)) * static_cast<double>(product(weight, 1));
        } else {
            // Gemm/MatMul: each output element is a dot product over the shared dimension.
            bool trans_b = false;
            for (const auto& attr : node.attribute())
                if (attr.name() == "transB") trans_b = attr.i() != 0;
            const std::int64_t k = op == "Gemm" && trans_b ? weight.back() : weight[weight.size() >= 2 ? weight.size() - 2 : 0];
            layer.macs = static_cast<double>(product(out, 1)) * static_cast<double>(k);
        }
        for (int i = 1; i < node.input_size(); ++i)
            if (const auto it = initializers.find(node.input(i)); it != initializers.end())
                layer.params += product(Dims(it->second->dims().begin(), it->second->dims().end()));
        info.macs += layer.macs;
        info.layers.push_back(std::move(layer));
    }
    return info;
}

}  // namespace powerml::workloads

extern "C" powerml::workloads::OnnxCharacteristicsFn powerml_onnx_plugin_entry() {
    return &powerml::workloads::onnx_characteristics_in_plugin;
}
