#include "powerml/workloads/onnx_precheck.hpp"

#include <fmt/format.h>

#include "powerml/core/error.hpp"
#include "powerml/core/utf8_check.hpp"

namespace powerml::workloads {

namespace {

// Field numbers from onnx.proto (ONNX 1.12), for the messages the check descends into.
namespace model_f { enum { ir_version = 1, graph = 7, opset_import = 8, functions = 25 }; }
namespace opset_f { enum { domain = 1, version = 2 }; }
namespace graph_f { enum { node = 1, name = 2, initializer = 5, input = 11, output = 12, value_info = 13, sparse_initializer = 15 }; }
namespace node_f { enum { input = 1, output = 2, name = 3, op_type = 4, attribute = 5, domain = 7 }; }
namespace attr_f {
enum { name = 1, t = 5, g = 6, tensors = 10, graphs = 11, tp = 14, type_protos = 15, sparse_tensor = 22, sparse_tensors = 23 };
}
namespace tensor_f {
enum { dims = 1, data_type = 2, float_data = 4, int32_data = 5, string_data = 6, int64_data = 7, name = 8, raw_data = 9,
       double_data = 10, uint64_data = 11, data_location = 14 };
}
namespace sparse_f { enum { values = 1, indices = 2, dims = 3 }; }
namespace value_f { enum { name = 1, type = 2 }; }
namespace type_f { enum { tensor_type = 1, sequence_type = 4, map_type = 5, sparse_tensor_type = 8, optional_type = 9 }; }
namespace function_f { enum { node = 7 }; }

enum Wire { varint = 0, fixed64 = 1, bytes = 2, fixed32 = 5 };

struct Field {
    std::uint32_t number = 0;
    int wire = 0;
    std::uint64_t value = 0;     // varint
    std::string_view payload;    // length-delimited
};

class Checker {
public:
    explicit Checker(const std::string& file) : m_file(file) {}

    [[noreturn]] void fail(const std::string& what) const { throw Error(fmt::format("{}: not a usable ONNX model: {}", m_file, what)); }

    // Reads the next field of `in` (advancing it); false at its end.
    bool next(std::string_view& in, Field& f) const {
        if (in.empty()) return false;
        const std::uint64_t key = read_varint(in);
        f.number = static_cast<std::uint32_t>(key >> 3);
        f.wire = static_cast<int>(key & 7);
        if (f.number == 0 || (key >> 3) > 0x1FFFFFFF) fail("a field number is out of range (the file is corrupt)");
        switch (f.wire) {
            case varint: f.value = read_varint(in); break;
            case fixed64: take(in, 8); break;
            case fixed32: take(in, 4); break;
            case bytes: {
                const std::uint64_t len = read_varint(in);
                if (len > in.size()) fail("a field runs past the end of the file (truncated?)");
                f.payload = in.substr(0, static_cast<std::size_t>(len));
                in.remove_prefix(static_cast<std::size_t>(len));
                break;
            }
            default: fail(fmt::format("wire type {} (protobuf groups) does not occur in ONNX files", f.wire));
        }
        return true;
    }

    std::uint64_t read_varint(std::string_view& in) const {
        std::uint64_t v = 0;
        for (int i = 0; i < 10; ++i) {
            if (in.empty()) fail("a number runs past the end of the file (truncated?)");
            const auto b = static_cast<unsigned char>(in.front());
            in.remove_prefix(1);
            if (i == 9 && b > 1) fail("a number is longer than 64 bits (the file is corrupt)");
            v |= static_cast<std::uint64_t>(b & 0x7F) << (7 * i);
            if (!(b & 0x80)) return v;
        }
        fail("a number is longer than 64 bits (the file is corrupt)");
    }

    void take(std::string_view& in, std::size_t n) const {
        if (in.size() < n) fail("a field runs past the end of the file (truncated?)");
        in.remove_prefix(n);
    }

    void expect(const Field& f, int wire, const char* what) const {
        if (f.wire != wire) fail(fmt::format("{} has the wrong encoding (wire type {})", what, f.wire));
    }
    void depth_ok(int depth) const {
        if (depth > k_onnx_max_depth) fail(fmt::format("graphs, attributes or types nest deeper than {} levels", k_onnx_max_depth));
    }
    void text(const Field& f, const char* what) const {
        expect(f, bytes, what);
        if (!valid_utf8(f.payload)) fail(fmt::format("a {} is not UTF-8 text", what));
    }

    // Repeated int64 field, packed or not: calls `each` per value.
    template <typename F>
    void int64s(const Field& f, const char* what, F each) const {
        if (f.wire == varint) {
            each(static_cast<std::int64_t>(f.value));
        } else if (f.wire == bytes) {
            std::string_view in = f.payload;
            while (!in.empty()) each(static_cast<std::int64_t>(read_varint(in)));
        } else {
            fail(fmt::format("{} has the wrong encoding", what));
        }
    }
    // How many values a repeated numeric field holds.
    std::uint64_t count(const Field& f, int element_wire) const {
        if (f.wire == element_wire) return 1;
        if (f.wire != bytes) fail("tensor data has the wrong encoding");
        if (element_wire == fixed32) {
            if (f.payload.size() % 4) fail("float tensor data is not a whole number of values");
            return f.payload.size() / 4;
        }
        if (element_wire == fixed64) {
            if (f.payload.size() % 8) fail("double tensor data is not a whole number of values");
            return f.payload.size() / 8;
        }
        std::uint64_t n = 0;
        std::string_view in = f.payload;
        while (!in.empty()) {
            read_varint(in);
            ++n;
        }
        return n;
    }

    std::int64_t dim(std::int64_t d, const std::string& where) const {
        if (d < 0) fail(fmt::format("{} has a negative dimension ({})", where, d));
        if (d > k_onnx_max_dim) fail(fmt::format("{} has an absurd dimension ({})", where, d));
        return d;
    }

    void model(std::string_view in, OnnxSummary& out) const {
        Field f;
        bool has_ir = false, has_graph = false;
        while (next(in, f)) {
            switch (f.number) {
                case model_f::ir_version:
                    expect(f, varint, "ir_version");
                    out.ir_version = static_cast<std::int64_t>(f.value);
                    has_ir = true;
                    break;
                case model_f::opset_import: expect(f, bytes, "opset_import"); opset(f.payload); ++out.opsets; break;
                case model_f::graph:
                    expect(f, bytes, "graph");
                    graph(f.payload, 1, &out);
                    has_graph = true;
                    break;
                case model_f::functions: expect(f, bytes, "a function"); function(f.payload, 1); break;
                default: break;  // producer, doc strings, metadata: not used
            }
        }
        if (!has_ir) fail("no ir_version (is it an ONNX file at all?)");
        if (out.ir_version < 1 || out.ir_version > 100) fail(fmt::format("ir_version {} is not an ONNX IR version", out.ir_version));
        if (out.opsets == 0) fail("no opset_import: the operators cannot be interpreted");
        if (!has_graph) fail("no graph");
        if (out.nodes == 0) fail("the graph has no nodes");
    }

    void opset(std::string_view in) const {
        Field f;
        while (next(in, f)) {
            if (f.number == opset_f::domain) text(f, "opset domain");
            if (f.number == opset_f::version) {
                expect(f, varint, "opset version");
                const auto v = static_cast<std::int64_t>(f.value);
                if (v < 1 || v > 10000) fail(fmt::format("opset version {} is out of range", v));
            }
        }
    }

    void graph(std::string_view in, int depth, OnnxSummary* out) const {
        depth_ok(depth);
        Field f;
        int nodes = 0;
        while (next(in, f)) {
            switch (f.number) {
                case graph_f::node: expect(f, bytes, "a node"); node(f.payload, depth + 1); ++nodes; break;
                case graph_f::name: text(f, "graph name"); break;
                case graph_f::initializer:
                    expect(f, bytes, "an initializer");
                    tensor(f.payload, "an initializer");
                    if (out) ++out->initializers;
                    break;
                case graph_f::sparse_initializer: expect(f, bytes, "a sparse initializer"); sparse(f.payload); break;
                case graph_f::input:
                case graph_f::output:
                case graph_f::value_info: expect(f, bytes, "a graph input/output"); value_info(f.payload, depth + 1); break;
                default: break;
            }
        }
        if (out) out->nodes = nodes;
    }

    void function(std::string_view in, int depth) const {
        depth_ok(depth);
        Field f;
        while (next(in, f))
            if (f.number == function_f::node) {
                expect(f, bytes, "a function node");
                node(f.payload, depth + 1);
            }
    }

    void node(std::string_view in, int depth) const {
        depth_ok(depth);
        Field f;
        bool has_op = false;
        while (next(in, f)) {
            switch (f.number) {
                case node_f::input:
                case node_f::output: text(f, "node input or output name"); break;
                case node_f::name: text(f, "node name"); break;
                case node_f::op_type:
                    text(f, "node op_type");
                    has_op = !f.payload.empty();
                    break;
                case node_f::domain: text(f, "node domain"); break;
                case node_f::attribute: expect(f, bytes, "an attribute"); attribute(f.payload, depth + 1); break;
                default: break;
            }
        }
        if (!has_op) fail("a node has no op_type");
    }

    void attribute(std::string_view in, int depth) const {
        depth_ok(depth);
        Field f;
        while (next(in, f)) {
            switch (f.number) {
                case attr_f::name: text(f, "attribute name"); break;
                case attr_f::t:
                case attr_f::tensors: expect(f, bytes, "an attribute tensor"); tensor(f.payload, "an attribute tensor"); break;
                case attr_f::g:
                case attr_f::graphs: expect(f, bytes, "a subgraph"); graph(f.payload, depth + 1, nullptr); break;
                case attr_f::tp:
                case attr_f::type_protos: expect(f, bytes, "an attribute type"); type(f.payload, depth + 1); break;
                case attr_f::sparse_tensor:
                case attr_f::sparse_tensors: expect(f, bytes, "an attribute sparse tensor"); sparse(f.payload); break;
                default: break;
            }
        }
    }

    void tensor(std::string_view in, const std::string& what) const {
        Field f;
        std::int64_t elements = 1;
        bool has_dims = false, external = false, has_raw = false;
        std::int64_t data_type = 0;
        std::uint64_t raw_bytes = 0, values = 0;
        int value_field = 0;
        while (next(in, f)) {
            switch (f.number) {
                case tensor_f::dims:
                    has_dims = true;
                    int64s(f, "tensor dims", [&](std::int64_t d) {
                        dim(d, what);
                        if (d != 0 && elements > k_onnx_max_elements / d)
                            fail(fmt::format("{} has more than {} elements", what, k_onnx_max_elements));
                        elements *= d;
                    });
                    break;
                case tensor_f::data_type:
                    expect(f, varint, "tensor data_type");
                    data_type = static_cast<std::int64_t>(f.value);
                    break;
                case tensor_f::name: text(f, "tensor name"); break;
                case tensor_f::raw_data:
                    expect(f, bytes, "raw tensor data");
                    has_raw = true;
                    raw_bytes = f.payload.size();
                    break;
                case tensor_f::data_location:
                    expect(f, varint, "tensor data_location");
                    external = f.value == 1;
                    break;
                case tensor_f::float_data: values += count(f, fixed32); value_field = f.number; break;
                case tensor_f::double_data: values += count(f, fixed64); value_field = f.number; break;
                case tensor_f::int32_data:
                case tensor_f::int64_data:
                case tensor_f::uint64_data: values += count(f, varint); value_field = f.number; break;
                case tensor_f::string_data: expect(f, bytes, "string tensor data"); ++values; value_field = f.number; break;
                default: break;
            }
        }
        (void)has_dims;
        if (external) return;  // the data lives in another file, read by whoever runs the model
        // Element sizes and the typed field each data type is stored in (onnx.proto).
        struct TypeInfo {
            int bytes;      // 0: variable (strings)
            int field;
            int per_value;  // complex numbers take two values
        };
        static constexpr TypeInfo k_types[] = {
            {0, 0, 1},                        // 0 UNDEFINED
            {4, tensor_f::float_data, 1},     // FLOAT
            {1, tensor_f::int32_data, 1},     // UINT8
            {1, tensor_f::int32_data, 1},     // INT8
            {2, tensor_f::int32_data, 1},     // UINT16
            {2, tensor_f::int32_data, 1},     // INT16
            {4, tensor_f::int32_data, 1},     // INT32
            {8, tensor_f::int64_data, 1},     // INT64
            {0, tensor_f::string_data, 1},    // STRING
            {1, tensor_f::int32_data, 1},     // BOOL
            {2, tensor_f::int32_data, 1},     // FLOAT16
            {8, tensor_f::double_data, 1},    // DOUBLE
            {4, tensor_f::uint64_data, 1},    // UINT32
            {8, tensor_f::uint64_data, 1},    // UINT64
            {8, tensor_f::float_data, 2},     // COMPLEX64
            {16, tensor_f::double_data, 2},   // COMPLEX128
            {2, tensor_f::int32_data, 1},     // BFLOAT16
        };
        if (data_type < 1 || data_type > 16) fail(fmt::format("{} has data type {}, which ONNX 1.12 does not define", what, data_type));
        const TypeInfo& t = k_types[data_type];
        if (has_raw) {
            if (t.bytes == 0) fail(fmt::format("{} holds strings as raw data", what));
            if (values > 0) fail(fmt::format("{} has both raw and typed data", what));
            if (raw_bytes != static_cast<std::uint64_t>(elements) * static_cast<std::uint64_t>(t.bytes))
                fail(fmt::format("{} has {} bytes of data for {} elements of {} bytes", what, raw_bytes, elements, t.bytes));
            return;
        }
        if (values > 0 && value_field != t.field) fail(fmt::format("{} stores its data in a field of another type", what));
        if (values != static_cast<std::uint64_t>(elements) * static_cast<std::uint64_t>(t.per_value))
            fail(fmt::format("{} has {} values for {} elements", what, values, elements));
    }

    void sparse(std::string_view in) const {
        Field f;
        while (next(in, f)) {
            if (f.number == sparse_f::values || f.number == sparse_f::indices) {
                expect(f, bytes, "a sparse tensor part");
                tensor(f.payload, "a sparse tensor");
            } else if (f.number == sparse_f::dims) {
                int64s(f, "sparse tensor dims", [&](std::int64_t d) { dim(d, "a sparse tensor"); });
            }
        }
    }

    void value_info(std::string_view in, int depth) const {
        depth_ok(depth);
        Field f;
        while (next(in, f)) {
            if (f.number == value_f::name) text(f, "value name");
            if (f.number == value_f::type) {
                expect(f, bytes, "a value type");
                type(f.payload, depth + 1);
            }
        }
    }

    void type(std::string_view in, int depth) const {
        depth_ok(depth);
        Field f;
        while (next(in, f)) {
            switch (f.number) {
                case type_f::tensor_type:
                case type_f::sparse_tensor_type: expect(f, bytes, "a tensor type"); tensor_type(f.payload); break;
                case type_f::sequence_type:
                case type_f::optional_type: expect(f, bytes, "a sequence or optional type"); element_type(f.payload, 1, depth + 1); break;
                case type_f::map_type: expect(f, bytes, "a map type"); element_type(f.payload, 2, depth + 1); break;
                default: break;
            }
        }
    }

    // Sequence/Optional (elem_type = 1) and Map (value_type = 2): one nested TypeProto.
    void element_type(std::string_view in, std::uint32_t field, int depth) const {
        depth_ok(depth);
        Field f;
        while (next(in, f))
            if (f.number == field) {
                expect(f, bytes, "an element type");
                type(f.payload, depth + 1);
            }
    }

    void tensor_type(std::string_view in) const {
        Field f;
        while (next(in, f))
            if (f.number == 2) {  // shape
                expect(f, bytes, "a tensor shape");
                std::string_view dims = f.payload;
                Field d;
                while (next(dims, d))
                    if (d.number == 1) {  // dim
                        expect(d, bytes, "a shape dimension");
                        std::string_view parts = d.payload;
                        Field p;
                        while (next(parts, p)) {
                            if (p.number == 1) {
                                expect(p, varint, "a dimension value");
                                dim(static_cast<std::int64_t>(p.value), "a value shape");
                            } else if (p.number == 2) {
                                text(p, "dimension name");
                            }
                        }
                    }
            }
    }

private:
    const std::string& m_file;
};

}  // namespace

OnnxSummary precheck_onnx(std::string_view bytes, const std::string& file) {
    const Checker check(file);
    if (bytes.empty()) check.fail("the file is empty");
    if (bytes.size() > k_onnx_max_bytes) check.fail("larger than 2 GiB, the most a protobuf file can be");
    OnnxSummary summary;
    check.model(bytes, summary);
    return summary;
}

}  // namespace powerml::workloads
