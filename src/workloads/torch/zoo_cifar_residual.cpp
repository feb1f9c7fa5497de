// Seed 001's residual and densely connected CIFAR-10 models, laid out as the widely used
// pytorch-cifar definitions lay them out (3x32x32 inputs, stride-1 stems): SimpleDLA, DPN-26,
// DenseNet-121, PreAct ResNet-18, RegNetX-200MF, ResNeXt29 (2x64d) and SENet-18. Parameter
// counts equal those definitions'; tests/workloads/CifarZooTest.cpp derives each one.
//
// Where a definition ends in a fixed-size average pool (avg_pool2d(out, 4) on 4x4 maps), an
// adaptive pool to 1x1 stands in: the same numbers at 32x32, and other image sizes still work.
#include "zoo_nets.hpp"

namespace powerml::workloads::zoo {

namespace {

// SimpleDLA: a binary tree of residual blocks whose two outputs a 1x1 conv-BN-ReLU "root" joins.
class TreeImpl : public torch::nn::Module {
public:
    TreeImpl(std::int64_t in, std::int64_t out, int level, std::int64_t stride);
    torch::Tensor forward(const torch::Tensor& x) {
        const torch::Tensor left = m_left->forward(x);
        const torch::Tensor right = m_right->forward(left);
        return m_root->forward(torch::cat({left, right}, 1));
    }

private:
    Stack m_left{nullptr}, m_right{nullptr}, m_root{nullptr};
};
TORCH_MODULE(Tree);

TreeImpl::TreeImpl(std::int64_t in, std::int64_t out, int level, std::int64_t stride) {
    if (level == 1) {
        m_left = register_module("left_tree", Stack(BasicBlock(in, out, stride)));
        m_right = register_module("right_tree", Stack(BasicBlock(out, out, 1)));
    } else {
        m_left = register_module("left_tree", Stack(Tree(in, out, level - 1, stride)));
        m_right = register_module("right_tree", Stack(Tree(out, out, level - 1, 1)));
    }
    m_root = register_module("root", conv_bn(2 * out, out, 1, 1, 1, Act::relu));
}

// DPN: a grouped bottleneck whose output is split into a residual part (the first `out`
// channels, added) and a densely connected part (the remaining `dense` channels, concatenated).
class DualPathBlockImpl : public torch::nn::Module {
public:
    DualPathBlockImpl(std::int64_t last, std::int64_t in, std::int64_t out, std::int64_t dense, std::int64_t stride, bool first)
        : m_out(out) {
        m_body = register_module("body", Stack(conv_bn(last, in, 1, 1, 1, Act::relu), conv_bn(in, in, 3, stride, 32, Act::relu),
                                               conv_bn(in, out + dense, 1, 1, 1, Act::none)));
        if (first) m_shortcut = register_module("shortcut", conv_bn(last, out + dense, 1, stride, 1, Act::none));
    }
    torch::Tensor forward(const torch::Tensor& x) {
        const torch::Tensor y = m_body->forward(x);
        const torch::Tensor s = m_shortcut ? m_shortcut->forward(x) : x;
        return torch::relu(torch::cat({s.slice(1, 0, m_out) + y.slice(1, 0, m_out), s.slice(1, m_out), y.slice(1, m_out)}, 1));
    }

private:
    std::int64_t m_out;
    Stack m_body{nullptr}, m_shortcut{nullptr};
};
TORCH_MODULE(DualPathBlock);

// DenseNet: BN-ReLU-1x1 conv to 4g channels, BN-ReLU-3x3 conv to g, concatenated before the input.
class DenseUnitImpl : public torch::nn::Module {
public:
    DenseUnitImpl(std::int64_t in, std::int64_t growth) {
        m_body = register_module("body", Stack(bn_relu_conv(in, 4 * growth, 1), bn_relu_conv(4 * growth, growth, 3)));
    }
    torch::Tensor forward(const torch::Tensor& x) { return torch::cat({m_body->forward(x), x}, 1); }

private:
    Stack m_body{nullptr};
};
TORCH_MODULE(DenseUnit);

// Pre-activation residual block (PreAct ResNet); with `squeeze_excite`, SENet-18's block: the
// residual branch is rescaled per channel by two biased 1x1 convolutions (planes -> planes/16 ->
// planes) on its global average. The shortcut is a bare 1x1 convolution (no batch norm) of the
// pre-activated input where the shape changes.
class PreActBlockImpl : public torch::nn::Module {
public:
    PreActBlockImpl(std::int64_t in, std::int64_t planes, std::int64_t stride, bool squeeze_excite) {
        m_bn = register_module("bn1", torch::nn::BatchNorm2d(in));
        m_conv1 = register_module("conv1", Conv(in, planes, 3, stride, 1));
        m_conv2 = register_module("conv2", bn_relu_conv(planes, planes, 3));
        if (stride != 1 || in != planes) m_shortcut = register_module("shortcut", Conv(in, planes, 1, stride, 0));
        if (squeeze_excite) {
            m_se1 = register_module("se1", Conv(planes, planes / 16, 1, 1, 0, 1, true));
            m_se2 = register_module("se2", Conv(planes / 16, planes, 1, 1, 0, 1, true));
        }
    }
    torch::Tensor forward(const torch::Tensor& x) {
        const torch::Tensor pre = torch::relu(m_bn->forward(x));
        const torch::Tensor shortcut = m_shortcut ? m_shortcut->forward(pre) : x;
        torch::Tensor out = m_conv2->forward(m_conv1->forward(pre));
        if (m_se1) {
            const torch::Tensor w = torch::sigmoid(m_se2->forward(torch::relu(m_se1->forward(torch::adaptive_avg_pool2d(out, {1, 1})))));
            out = out * w;
        }
        return out + shortcut;
    }

private:
    torch::nn::BatchNorm2d m_bn{nullptr};
    Conv m_conv1{nullptr}, m_shortcut{nullptr}, m_se1{nullptr}, m_se2{nullptr};
    Stack m_conv2{nullptr};
};
TORCH_MODULE(PreActBlock);

// 1x1 conv-BN-ReLU to `mid`, grouped 3x3 conv-BN-ReLU, 1x1 conv-BN to `out`, plus the input
// (through a 1x1 conv-BN where the shape changes), then ReLU: ResNeXt's and RegNetX's block.
class GroupedBottleneckImpl : public torch::nn::Module {
public:
    GroupedBottleneckImpl(std::int64_t in, std::int64_t mid, std::int64_t out, std::int64_t stride, std::int64_t groups) {
        m_body = register_module("body", Stack(conv_bn(in, mid, 1, 1, 1, Act::relu), conv_bn(mid, mid, 3, stride, groups, Act::relu),
                                               conv_bn(mid, out, 1, 1, 1, Act::none)));
        if (stride != 1 || in != out) m_shortcut = register_module("shortcut", conv_bn(in, out, 1, stride, 1, Act::none));
    }
    torch::Tensor forward(const torch::Tensor& x) {
        return torch::relu(m_body->forward(x) + (m_shortcut ? m_shortcut->forward(x) : x));
    }

private:
    Stack m_body{nullptr}, m_shortcut{nullptr};
};
TORCH_MODULE(GroupedBottleneck);

// Four stages of two pre-activation blocks at 64, 128, 256, 512 channels (strides 1, 2, 2, 2).
void add_preact_stages(Stack& features, bool squeeze_excite) {
    std::int64_t channels = 64;
    for (std::int64_t width : {64, 128, 256, 512}) {
        features->push_back(PreActBlock(channels, width, width == 64 ? 1 : 2, squeeze_excite));
        features->push_back(PreActBlock(width, width, 1, squeeze_excite));
        channels = width;
    }
}

}  // namespace

NetPtr make_simpledla(ImageShape input, int classes) {
    require_input("simpledla", input, 8, 32);
    Stack f(conv_bn(input.channels, 16, 3, 1, 1, Act::relu), conv_bn(16, 16, 3, 1, 1, Act::relu),
            conv_bn(16, 32, 3, 1, 1, Act::relu), Tree(32, 64, 1, 1), Tree(64, 128, 2, 2), Tree(128, 256, 2, 2),
            Tree(256, 512, 1, 2), torch::nn::AdaptiveAvgPool2d(1));
    return std::make_shared<FeaturesClassifier>(f, 512, classes);
}

NetPtr make_dpn26(ImageShape input, int classes) {
    require_input("dpn26", input, 8, 32);
    const std::int64_t in[] = {96, 192, 384, 768}, out[] = {256, 512, 1024, 2048}, dense[] = {16, 32, 24, 128};
    const int blocks = 2;
    Stack f;
    f->push_back(conv_bn(input.channels, 64, 3, 1, 1, Act::relu));
    std::int64_t last = 64;
    for (int s = 0; s < 4; ++s) {
        for (int i = 0; i < blocks; ++i) {
            f->push_back(DualPathBlock(last, in[s], out[s], dense[s], i == 0 && s > 0 ? 2 : 1, i == 0));
            last = out[s] + (i + 2) * dense[s];  // the residual width plus every block's dense channels
        }
    }
    f->push_back(torch::nn::AdaptiveAvgPool2d(1));
    return std::make_shared<FeaturesClassifier>(f, last, classes);
}

NetPtr make_densenet121(ImageShape input, int classes) {
    require_input("densenet121", input, 8, 32);
    const std::int64_t growth = 32;
    const int units[] = {6, 12, 24, 16};
    std::int64_t channels = 2 * growth;
    Stack f(Conv(input.channels, channels, 3, 1, 1));
    for (int s = 0; s < 4; ++s) {
        for (int i = 0; i < units[s]; ++i, channels += growth) f->push_back(DenseUnit(channels, growth));
        if (s < 3) {  // transition: BN-ReLU-1x1 conv halving the channels, 2x2 average pool
            f->push_back(Stack(bn_relu_conv(channels, channels / 2, 1), torch::nn::AvgPool2d(2)));
            channels /= 2;
        }
    }
    f->push_back(torch::nn::BatchNorm2d(channels));
    f->push_back(torch::nn::ReLU());
    f->push_back(torch::nn::AdaptiveAvgPool2d(1));
    return std::make_shared<FeaturesClassifier>(f, channels, classes);
}

NetPtr make_preactresnet18(ImageShape input, int classes) {
    require_input("preactresnet18", input, 8, 32);
    Stack f(Conv(input.channels, 64, 3, 1, 1));  // no batch norm in the stem: every block starts with one
    add_preact_stages(f, false);
    f->push_back(torch::nn::AdaptiveAvgPool2d(1));
    return std::make_shared<FeaturesClassifier>(f, 512, classes);
}

NetPtr make_senet18(ImageShape input, int classes) {
    require_input("senet18", input, 8, 32);
    Stack f;
    f->push_back(conv_bn(input.channels, 64, 3, 1, 1, Act::relu));
    add_preact_stages(f, true);
    f->push_back(torch::nn::AdaptiveAvgPool2d(1));
    return std::make_shared<FeaturesClassifier>(f, 512, classes);
}

NetPtr make_regnetx_200mf(ImageShape input, int classes) {
    require_input("regnetx_200mf", input, 4, 32);
    // depths 1, 1, 4, 7; widths 24, 56, 152, 368; strides 1, 1, 2, 2; group width 8; bottleneck 1; no SE.
    const int depths[] = {1, 1, 4, 7};
    const std::int64_t widths[] = {24, 56, 152, 368}, strides[] = {1, 1, 2, 2}, group_width = 8;
    Stack f;
    f->push_back(conv_bn(input.channels, 64, 3, 1, 1, Act::relu));
    std::int64_t channels = 64;
    for (int s = 0; s < 4; ++s) {
        for (int i = 0; i < depths[s]; ++i) {
            f->push_back(GroupedBottleneck(channels, widths[s], widths[s], i == 0 ? strides[s] : 1, widths[s] / group_width));
            channels = widths[s];
        }
    }
    f->push_back(torch::nn::AdaptiveAvgPool2d(1));
    return std::make_shared<FeaturesClassifier>(f, channels, classes);
}

NetPtr make_resnext29_2x64d(ImageShape input, int classes) {
    require_input("resnext29_2x64d", input, 4, 32);
    // Cardinality 2, bottleneck width 64 doubling per stage; each block widens to 2 x its group width.
    const std::int64_t cardinality = 2;
    std::int64_t width = 64, channels = 64;
    Stack f;
    f->push_back(conv_bn(input.channels, 64, 1, 1, 1, Act::relu));  // a 1x1 stem, as defined
    for (int s = 0; s < 3; ++s, width *= 2) {
        const std::int64_t group_width = cardinality * width;
        for (int i = 0; i < 3; ++i) {
            f->push_back(GroupedBottleneck(channels, group_width, 2 * group_width, i == 0 && s > 0 ? 2 : 1, cardinality));
            channels = 2 * group_width;
        }
    }
    f->push_back(torch::nn::AdaptiveAvgPool2d(1));
    return std::make_shared<FeaturesClassifier>(f, channels, classes);
}

}  // namespace powerml::workloads::zoo
