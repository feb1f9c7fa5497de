// ONNX files are checked before libonnx sees them: empty files, junk, truncation, negative
// and absurd dimensions and tensor data of the wrong size are refused with an Error naming
// the file, and model-info never crashes on them. Models are written here with a small
// protobuf encoder, so each case is exactly the bytes it claims to be.
#include "powerml/workloads/onnx_precheck.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <random>
#include <string>

#include "powerml/core/error.hpp"
#include "powerml/workloads/onnx_model_info.hpp"
#include "support/run_process.hpp"
#include "support/temp_dir.hpp"

using namespace powerml;
using namespace powerml::workloads;

namespace {

std::string varint(std::uint64_t v) {
    std::string out;
    do {
        unsigned char b = v & 0x7F;
        v >>= 7;
        if (v) b |= 0x80;
        out += static_cast<char>(b);
    } while (v);
    return out;
}
std::string field_varint(int n, std::int64_t v) { return varint(static_cast<std::uint64_t>(n) << 3) + varint(static_cast<std::uint64_t>(v)); }
std::string field_bytes(int n, const std::string& payload) {
    return varint((static_cast<std::uint64_t>(n) << 3) | 2) + varint(payload.size()) + payload;
}

// TensorProto: dims, data_type FLOAT, name, raw_data of `raw_bytes` bytes.
std::string tensor(const std::string& name, const std::vector<std::int64_t>& dims, std::size_t raw_bytes) {
    std::string t;
    for (const auto d : dims) t += field_varint(1, d);
    t += field_varint(2, 1);
    t += field_bytes(8, name);
    t += field_bytes(9, std::string(raw_bytes, '\0'));
    return t;
}

// Value info "x" of FLOAT with the shape `dims`.
std::string value_info(const std::string& name, const std::vector<std::int64_t>& dims) {
    std::string shape;
    for (const auto d : dims) shape += field_bytes(1, field_varint(1, d));
    const std::string tensor_type = field_varint(1, 1) + field_bytes(2, shape);
    return field_bytes(1, name) + field_bytes(2, field_bytes(1, tensor_type));
}

// A one-node model: y = MatMul(x, w), w an initializer.
std::string model(const std::vector<std::int64_t>& w_dims, std::size_t w_bytes, const std::vector<std::int64_t>& x_dims = {1, 4}) {
    const std::string node = field_bytes(1, "x") + field_bytes(1, "w") + field_bytes(2, "y") + field_bytes(4, "MatMul");
    std::string graph = field_bytes(1, node) + field_bytes(2, "g") + field_bytes(5, tensor("w", w_dims, w_bytes)) +
                        field_bytes(11, value_info("x", x_dims)) + field_bytes(12, value_info("y", {}));
    const std::string opset = field_bytes(1, "") + field_varint(2, 13);
    return field_varint(1, 8) + field_bytes(8, opset) + field_bytes(7, graph);
}

std::string error_of(const std::string& bytes) {
    try {
        precheck_onnx(bytes, "m.onnx");
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST(OnnxPrecheckTest, AWellFormedModelPasses) {
    const auto s = precheck_onnx(model({4, 3}, 4 * 3 * 4), "m.onnx");
    EXPECT_EQ(s.ir_version, 8);
    EXPECT_EQ(s.nodes, 1);
    EXPECT_EQ(s.initializers, 1);
    // Models written by the onnx package itself, when it is installed.
    for (const char* shipped : {"/usr/lib/python3/dist-packages/onnx/examples/resources/single_relu.onnx",
                                "/usr/lib/python3/dist-packages/onnx/examples/resources/two_transposes.onnx"}) {
        if (!std::filesystem::exists(shipped)) continue;
        EXPECT_NO_THROW(precheck_onnx(test::read_file(shipped), shipped)) << shipped;
    }
}

TEST(OnnxPrecheckTest, BadStructureIsRefusedWithTheReason) {
    EXPECT_NE(error_of("").find("m.onnx: not a usable ONNX model: the file is empty"), std::string::npos);
    EXPECT_NE(error_of(model({-3, 45}, 0)).find("negative dimension (-3)"), std::string::npos) << error_of(model({-3, 45}, 0));
    EXPECT_NE(error_of(model({4, 3}, 48, {1, -4})).find("negative dimension"), std::string::npos);
    EXPECT_NE(error_of(model({std::int64_t{1} << 40, 3}, 0)).find("absurd dimension"), std::string::npos);
    EXPECT_NE(error_of(model({1 << 30, 1 << 30, 1 << 30}, 0)).find("more than"), std::string::npos);
    EXPECT_NE(error_of(model({4, 3}, 7)).find("7 bytes of data for 12 elements"), std::string::npos) << error_of(model({4, 3}, 7));
    const std::string good = model({4, 3}, 48);
    for (std::size_t cut : {good.size() - 1, good.size() / 2, std::size_t{3}})
        EXPECT_NE(error_of(good.substr(0, cut)), "") << "cut at " << cut;
    EXPECT_NE(error_of(field_varint(1, 8)).find("no opset_import"), std::string::npos);
    EXPECT_NE(error_of(field_varint(1, 8) + field_bytes(8, field_varint(2, 13))).find("no graph"), std::string::npos);
    EXPECT_NE(error_of(field_varint(1, 8) + field_bytes(8, field_varint(2, 13)) + field_bytes(7, field_bytes(2, "g")))
                  .find("no nodes"),
              std::string::npos);
    EXPECT_NE(error_of(std::string("\x0b\x00", 2)).find("groups"), std::string::npos);
    EXPECT_NE(error_of(std::string(11, '\xff')).find("longer than 64 bits"), std::string::npos);
    // Subgraphs nested 40 deep (If inside If ...).
    std::string g = field_bytes(1, field_bytes(4, "Relu"));
    for (int i = 0; i < 40; ++i) g = field_bytes(1, field_bytes(4, "If") + field_bytes(5, field_bytes(1, "then_branch") + field_bytes(6, g)));
    EXPECT_NE(error_of(field_varint(1, 8) + field_bytes(8, field_varint(2, 13)) + field_bytes(7, g)).find("deeper than"),
              std::string::npos);
}

// Junk of every kind: never a crash, always an Error; through model-info too when the ONNX
// part is built (libonnx's own parser and shape inference behind the check).
TEST(OnnxPrecheckTest, JunkNeverCrashesModelInfo) {
    test::TempDir dir;
    std::mt19937_64 rng(14);
    std::vector<std::string> junk = {std::string(128, '\0'), std::string(128, '\xff')};
    for (int i = 0; i < 200; ++i) {
        std::string b(128, '\0');
        for (auto& c : b) c = static_cast<char>(rng());
        junk.push_back(b);
    }
    // Bytes that are valid protobuf all the way: a model with fields in odd places.
    junk.push_back(field_varint(1, 8) + field_bytes(8, field_varint(2, 13)) +
                   field_bytes(7, field_bytes(1, field_bytes(4, "Reshape") + field_bytes(1, "x") + field_bytes(1, "s"))));
    int refused = 0;
    for (std::size_t i = 0; i < junk.size(); ++i) {
        if (!error_of(junk[i]).empty()) ++refused;
        if (onnx_available() && i < 20) {
            const auto file = dir.write("junk" + std::to_string(i) + ".onnx", junk[i]);
            EXPECT_THROW(onnx_characteristics(file), Error) << file;
        }
    }
    EXPECT_GE(refused, static_cast<int>(junk.size()) - 1);  // the last one is structurally fine
    // The CLI: one line, non-zero exit, no crash (exit 139 would be a segfault).
    const auto file = dir.write("junk.onnx", junk[5]);
    const auto r = test::run_powerml({"model-info", file.string()});
    EXPECT_NE(r.exit_code, 0);
    EXPECT_LT(r.exit_code, 128) << r.err;
    EXPECT_NE(r.err.find("junk.onnx"), std::string::npos) << r.err;
}
