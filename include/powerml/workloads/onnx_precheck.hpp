#pragma once
// A structural check of an ONNX file before libonnx sees it. libonnx's parser accepts almost
// any bytes as a ModelProto and its shape inference trusts what it finds (a 128-byte junk file
// crashed it, negative dimensions came out as "parameters -135", an empty file was a model).
// This walks the protobuf wire format itself, without libonnx, and refuses:
//  - an empty file, a file over 2 GiB (protobuf's own limit), truncated or malformed fields,
//    wire types ONNX does not use, nesting deeper than k_max_depth;
//  - a model without ir_version, opset_import or a graph with at least one node, a node
//    without op_type;
//  - a negative or absurd dimension (above k_max_dim) in a tensor or a shape, a tensor of
//    more than k_max_elements elements, tensor data whose size does not match its dims;
//  - names that are not UTF-8.
// Every refusal is an Error naming the file and what is wrong.
#include <cstdint>
#include <string>
#include <string_view>

namespace powerml::workloads {

inline constexpr std::uint64_t k_onnx_max_bytes = (std::uint64_t{1} << 31) - 1;
inline constexpr std::int64_t k_onnx_max_dim = std::int64_t{1} << 32;
inline constexpr std::int64_t k_onnx_max_elements = std::int64_t{1} << 40;
inline constexpr int k_onnx_max_depth = 32;

struct OnnxSummary {
    std::int64_t ir_version = 0;
    int opsets = 0;
    int nodes = 0;          // in the main graph
    int initializers = 0;
};

// Throws Error("<file>: <what is wrong>").
OnnxSummary precheck_onnx(std::string_view bytes, const std::string& file);

}  // namespace powerml::workloads
