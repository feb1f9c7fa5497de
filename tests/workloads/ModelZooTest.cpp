// Parameter and MAC counts of the built-in models against published figures for the same
// architectures and inputs, and against the ONNX path on an equivalent file.
#include <gtest/gtest.h>

#include "powerml/core/error.hpp"
#include "powerml/workloads/model_zoo.hpp"
#include "powerml/workloads/onnx_model_info.hpp"
#include "support/run_process.hpp"
#include "support/temp_dir.hpp"

using namespace powerml;
using namespace powerml::workloads;

namespace {

#define REQUIRE_TORCH()                                                                                 \
    if (!torch_available()) {                                                                           \
        EXPECT_THROW(builtin_characteristics("lenet", {1, 32, 32}, 10), Error);                         \
        GTEST_SKIP() << "built without Torch: only the refusal is checked";                             \
    }

// LeNet-5 as a small ONNX graph written with onnx.helper (python3-onnx).
const char* const k_lenet_onnx = R"PY(
import sys, numpy as np, onnx
from onnx import helper, TensorProto, numpy_helper
def w(name, *shape): return numpy_helper.from_array(np.zeros(shape, dtype=np.float32), name)
inits = [w('c1w',6,1,5,5), w('c1b',6), w('c2w',16,6,5,5), w('c2b',16), w('f1w',120,400), w('f1b',120),
         w('f2w',84,120), w('f2b',84), w('f3w',10,84), w('f3b',10)]
n = helper.make_node
nodes = [n('Conv',['x','c1w','c1b'],['a1'],name='conv1',kernel_shape=[5,5]), n('Relu',['a1'],['r1']),
         n('MaxPool',['r1'],['p1'],kernel_shape=[2,2],strides=[2,2]),
         n('Conv',['p1','c2w','c2b'],['a2'],name='conv2',kernel_shape=[5,5]), n('Relu',['a2'],['r2']),
         n('MaxPool',['r2'],['p2'],kernel_shape=[2,2],strides=[2,2]), n('Flatten',['p2'],['f']),
         n('Gemm',['f','f1w','f1b'],['g1'],name='fc1',transB=1), n('Relu',['g1'],['h1']),
         n('Gemm',['h1','f2w','f2b'],['g2'],name='fc2',transB=1), n('Relu',['g2'],['h2']),
         n('Gemm',['h2','f3w','f3b'],['y'],name='fc3',transB=1)]
g = helper.make_graph(nodes, 'lenet', [helper.make_tensor_value_info('x', TensorProto.FLOAT, ['N',1,32,32])],
                      [helper.make_tensor_value_info('y', TensorProto.FLOAT, ['N',10])], inits)
onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid('', 13)]), sys.argv[1])
)PY";

// One convolution with batch norm: BN scale and bias are parameters, mean and variance buffers.
const char* const k_bn_onnx = R"PY(
import sys, numpy as np, onnx
from onnx import helper, TensorProto, numpy_helper
def w(name, *shape): return numpy_helper.from_array(np.zeros(shape, dtype=np.float32), name)
inits = [w('cw',8,3,3,3), w('s',8), w('b',8), w('m',8), w('v',8)]
nodes = [helper.make_node('Conv',['x','cw'],['c'],kernel_shape=[3,3],pads=[1,1,1,1],strides=[2,2]),
         helper.make_node('BatchNormalization',['c','s','b','m','v'],['y'])]
g = helper.make_graph(nodes, 'bn', [helper.make_tensor_value_info('x', TensorProto.FLOAT, [1,3,16,16])],
                      [helper.make_tensor_value_info('y', TensorProto.FLOAT, None)], inits)
onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid('', 13)]), sys.argv[1])
)PY";

std::filesystem::path write_onnx(const test::TempDir& dir, const char* script, const std::string& name) {
    const auto path = dir.path() / name;
    const auto r = test::run_process({"/usr/bin/python3", "-c", script, path.string()});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return path;
}

}  // namespace

TEST(ModelZooTest, LeNet5MatchesItsPublishedSize) {
    REQUIRE_TORCH();
    // LeNet-5 on 32x32 grey images: 61,706 parameters (156 + 2,416 + 48,120 + 10,164 + 850) and
    // 416,520 MACs (117,600 + 240,000 + 48,000 + 10,080 + 840).
    const auto info = builtin_characteristics("lenet", {1, 32, 32}, 10);
    EXPECT_EQ(info.total_params, 61706);
    EXPECT_EQ(info.trainable_params, 61706);
    EXPECT_EQ(info.buffers, 0);
    EXPECT_DOUBLE_EQ(info.size_bytes, 61706.0 * 4);
    EXPECT_DOUBLE_EQ(info.macs, 416520.0);
    ASSERT_EQ(info.layers.size(), 5u);
    EXPECT_EQ(info.layers[0].output_shape, (std::vector<std::int64_t>{6, 28, 28}));
    EXPECT_DOUBLE_EQ(info.layers[0].macs, 117600.0);
    EXPECT_EQ(info.layers[0].params, 156);
    // 28x28 Fashion-MNIST: padded first convolution, the same 16x5x5 features and parameters.
    EXPECT_EQ(builtin_characteristics("lenet", {1, 28, 28}, 10).total_params, 61706);
}

TEST(ModelZooTest, TorchvisionLayoutsMatchPublishedFigures) {
    REQUIRE_TORCH();
    // torchvision's model cards, 224x224x3 input, 1,000 classes.
    const auto resnet = builtin_characteristics("resnet18-imagenet", {3, 224, 224}, 1000);
    EXPECT_EQ(resnet.total_params, 11689512);
    EXPECT_NEAR(resnet.macs, 1.82e9, 0.01 * 1.82e9);
    // 20 batch norms over 4,800 channels: running mean and variance plus one step counter each.
    EXPECT_EQ(resnet.buffers, 2 * 4800 + 20);
    const auto mobilenet = builtin_characteristics("mobilenetv2-imagenet", {3, 224, 224}, 1000);
    EXPECT_EQ(mobilenet.total_params, 3504872);
    EXPECT_NEAR(mobilenet.macs, 0.30e9, 0.03 * 0.30e9);
    const auto shufflenet = builtin_characteristics("shufflenetv2-imagenet", {3, 224, 224}, 1000);
    EXPECT_EQ(shufflenet.total_params, 2278604);
    EXPECT_NEAR(shufflenet.macs, 0.146e9, 0.03 * 0.146e9);
}

TEST(ModelZooTest, SmallImageZooSpansSeed001Range) {
    REQUIRE_TORCH();
    // CIFAR-10 sizes (10 classes, 32x32x3): VGG-16 with batch norm has 14,728,266 parameters as in
    // the CIFAR model zoos seed 001 used; ResNet-18 with a 3x3 stem 11,173,962.
    EXPECT_EQ(builtin_characteristics("vgg16", {3, 32, 32}, 10).total_params, 14728266);
    EXPECT_EQ(builtin_characteristics("resnet18", {3, 32, 32}, 10).total_params, 11173962);
    double previous = 0;
    for (const std::string name : {"lenet", "shufflenetv2", "mobilenetv2", "resnet18"}) {
        const auto info = builtin_characteristics(name, {3, 32, 32}, 10);
        EXPECT_GT(info.macs, previous) << name;  // ordered by compute
        previous = info.macs;
    }
    EXPECT_GT(builtin_characteristics("mlp", {1, 8, 8}, 10).total_params, 0);
    try {
        builtin_characteristics("vgg11", {1, 8, 8}, 10);
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("--image-size 32"), std::string::npos) << e.what();
    }
    EXPECT_THROW(builtin_characteristics("alexnet", {3, 32, 32}, 10), Error);
}

TEST(ModelZooTest, OnnxFileAgreesWithTheBuiltInModel) {
    if (!onnx_available()) GTEST_SKIP() << "built without ONNX";
    test::TempDir dir;
    const auto info = onnx_characteristics(write_onnx(dir, k_lenet_onnx, "lenet.onnx"));
    EXPECT_EQ(info.source, "onnx");
    EXPECT_EQ(info.input, (ImageShape{1, 32, 32}));
    EXPECT_EQ(info.classes, 10);
    EXPECT_EQ(info.total_params, 61706);
    EXPECT_DOUBLE_EQ(info.macs, 416520.0);
    ASSERT_EQ(info.layers.size(), 5u);
    EXPECT_EQ(info.layers[1].name, "conv2");
    EXPECT_EQ(info.layers[1].output_shape, (std::vector<std::int64_t>{16, 10, 10}));
    if (torch_available()) {
        const auto builtin = builtin_characteristics("lenet", {1, 32, 32}, 10);
        EXPECT_EQ(info.total_params, builtin.total_params);
        EXPECT_DOUBLE_EQ(info.macs, builtin.macs);
        for (std::size_t i = 0; i < info.layers.size(); ++i) EXPECT_DOUBLE_EQ(info.layers[i].macs, builtin.layers[i].macs) << i;
    }

    const auto bn = onnx_characteristics(write_onnx(dir, k_bn_onnx, "bn.onnx"));
    EXPECT_EQ(bn.total_params, 8 * 27 + 16);
    EXPECT_EQ(bn.buffers, 16);
    EXPECT_DOUBLE_EQ(bn.macs, 8.0 * 8 * 8 * 27);  // 8 channels of 8x8 after stride 2, 3x3x3 each

    const auto garbage = dir.write("garbage.onnx", "not a model");
    EXPECT_THROW(onnx_characteristics(garbage), Error);
}

TEST(ModelZooTest, ModelInfoCommand) {
    if (!torch_available()) {
        const auto r = test::run_powerml({"model-info", "--model", "lenet"});
        EXPECT_NE(r.err.find("built without Torch; reconfigure with -DPOWERML_WITH_TORCH=ON"), std::string::npos) << r.err;
        EXPECT_NE(r.exit_code, 0);
        return;
    }
    const auto r = test::run_powerml({"model-info", "--model", "lenet", "--input", "1x32x32", "--format", "json", "--layers"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("\"total_params\": 61706"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("\"layers\""), std::string::npos);
    const auto text = test::run_powerml({"model-info", "--model", "resnet18-imagenet"});
    ASSERT_EQ(text.exit_code, 0) << text.err;
    EXPECT_NE(text.out.find("11689512"), std::string::npos) << text.out;
    const auto bad = test::run_powerml({"model-info", "--model", "lenet", "--input", "3x"});
    EXPECT_EQ(bad.exit_code, 1);
    EXPECT_NE(bad.err.find("--input"), std::string::npos) << bad.err;
}
