// Seed 001's mobile and multi-branch CIFAR-10 models, laid out as the widely used pytorch-cifar
// definitions lay them out (3x32x32 inputs, stride-1 stems): EfficientNet-B0, GoogLeNet,
// MobileNet, MobileNetV2 and PNASNet-B. Parameter counts equal those definitions';
// tests/workloads/CifarZooTest.cpp derives each one. Fixed-size final average pools are adaptive
// pools to 1x1 here (the same numbers at 32x32).
#include "zoo_nets.hpp"

namespace powerml::workloads::zoo {

namespace {

torch::Tensor swish(const torch::Tensor& x) { return x * torch::sigmoid(x); }

class SwishImpl : public torch::nn::Module {
public:
    torch::Tensor forward(const torch::Tensor& x) { return swish(x); }
};
TORCH_MODULE(Swish);

// EfficientNet's MBConv: 1x1 expansion (conv-BN-swish), depthwise k x k (conv-BN-swish),
// squeeze-and-excitation (biased 1x1 convs to in/4 channels and back, swish then sigmoid), 1x1
// projection (conv-BN), and the input added where the shape is kept. As defined, the expansion
// convolution exists even at expansion 1, where the forward pass skips it: its parameters
// count, its MACs do not (they are never computed).
class MbConvImpl : public torch::nn::Module {
public:
    MbConvImpl(std::int64_t in, std::int64_t out, std::int64_t kernel, std::int64_t stride, std::int64_t expand)
        : m_expand(expand), m_skip(stride == 1 && in == out) {
        const std::int64_t channels = expand * in, squeezed = in / 4;  // se_ratio 0.25 of the block's input
        m_expansion = register_module("expand", conv_bn(in, channels, 1, 1, 1, Act::none));
        m_depthwise = register_module("depthwise", conv_bn(channels, channels, kernel, stride, channels, Act::none));
        m_se1 = register_module("se1", Conv(channels, squeezed, 1, 1, 0, 1, true));
        m_se2 = register_module("se2", Conv(squeezed, channels, 1, 1, 0, 1, true));
        m_project = register_module("project", conv_bn(channels, out, 1, 1, 1, Act::none));
    }
    torch::Tensor forward(const torch::Tensor& x) {
        torch::Tensor y = m_expand == 1 ? x : swish(m_expansion->forward(x));
        y = swish(m_depthwise->forward(y));
        y = y * torch::sigmoid(m_se2->forward(swish(m_se1->forward(torch::adaptive_avg_pool2d(y, {1, 1})))));
        y = m_project->forward(y);
        return m_skip ? y + x : y;  // drop-connect: the definition's rate is always 0 (its block counter never advances)
    }

private:
    std::int64_t m_expand;
    bool m_skip;
    Stack m_expansion{nullptr}, m_depthwise{nullptr}, m_project{nullptr};
    Conv m_se1{nullptr}, m_se2{nullptr};
};
TORCH_MODULE(MbConv);

// GoogLeNet's inception module, every convolution biased and followed by BN-ReLU: 1x1; 1x1 then
// 3x3; 1x1 then two 3x3 (the "5x5" branch); 3x3 max pool then 1x1. Outputs concatenated.
class InceptionImpl : public torch::nn::Module {
public:
    InceptionImpl(std::int64_t in, std::int64_t n1, std::int64_t n3_reduce, std::int64_t n3, std::int64_t n5_reduce, std::int64_t n5,
                  std::int64_t pool) {
        m_b1 = register_module("b1", conv_bn(in, n1, 1, 1, 1, Act::relu, true));
        m_b2 = register_module("b2", Stack(conv_bn(in, n3_reduce, 1, 1, 1, Act::relu, true), conv_bn(n3_reduce, n3, 3, 1, 1, Act::relu, true)));
        m_b3 = register_module("b3", Stack(conv_bn(in, n5_reduce, 1, 1, 1, Act::relu, true), conv_bn(n5_reduce, n5, 3, 1, 1, Act::relu, true),
                                           conv_bn(n5, n5, 3, 1, 1, Act::relu, true)));
        m_b4 = register_module("b4", Stack(torch::nn::MaxPool2d(torch::nn::MaxPool2dOptions(3).stride(1).padding(1)),
                                           conv_bn(in, pool, 1, 1, 1, Act::relu, true)));
    }
    torch::Tensor forward(const torch::Tensor& x) {
        return torch::cat({m_b1->forward(x), m_b2->forward(x), m_b3->forward(x), m_b4->forward(x)}, 1);
    }

private:
    Stack m_b1{nullptr}, m_b2{nullptr}, m_b3{nullptr}, m_b4{nullptr};
};
TORCH_MODULE(Inception);

// MobileNetV2's block as the CIFAR definition has it: 1x1 expansion conv-BN-ReLU (also at
// expansion 1), depthwise 3x3 conv-BN-ReLU, 1x1 projection conv-BN; at stride 1 the input is
// added, through a 1x1 conv-BN when the channel count changes. ReLU, not ReLU6.
class CifarInvertedResidualImpl : public torch::nn::Module {
public:
    CifarInvertedResidualImpl(std::int64_t in, std::int64_t out, std::int64_t expand, std::int64_t stride) : m_stride(stride) {
        const std::int64_t planes = expand * in;
        m_body = register_module("body", Stack(conv_bn(in, planes, 1, 1, 1, Act::relu), conv_bn(planes, planes, 3, stride, planes, Act::relu),
                                               conv_bn(planes, out, 1, 1, 1, Act::none)));
        if (stride == 1 && in != out) m_shortcut = register_module("shortcut", conv_bn(in, out, 1, 1, 1, Act::none));
    }
    torch::Tensor forward(const torch::Tensor& x) {
        const torch::Tensor y = m_body->forward(x);
        if (m_stride != 1) return y;
        return y + (m_shortcut ? m_shortcut->forward(x) : x);
    }

private:
    std::int64_t m_stride;
    Stack m_body{nullptr}, m_shortcut{nullptr};
};
TORCH_MODULE(CifarInvertedResidual);

// PNASNet's cell B. "Separable" convolutions here are one grouped k x k conv (groups = input
// channels) and BN: branches 7x7 + 3x3 and 3x3-max-pool + 5x5, each pair summed and ReLU'd, then
// concatenated and reduced by a 1x1 conv-BN-ReLU. At stride 2 the pooled branch passes a 1x1 conv-BN.
class CellBImpl : public torch::nn::Module {
public:
    CellBImpl(std::int64_t in, std::int64_t out, std::int64_t stride) : m_stride(stride) {
        m_sep7 = register_module("sep_conv1", conv_bn(in, out, 7, stride, in, Act::none));
        m_sep3 = register_module("sep_conv2", conv_bn(in, out, 3, stride, in, Act::none));
        m_sep5 = register_module("sep_conv3", conv_bn(in, out, 5, stride, in, Act::none));
        if (stride == 2) m_pool_conv = register_module("pool_conv", conv_bn(in, out, 1, 1, 1, Act::none));
        m_reduce = register_module("reduce", conv_bn(2 * out, out, 1, 1, 1, Act::relu));
    }
    torch::Tensor forward(const torch::Tensor& x) {
        torch::Tensor pooled = torch::max_pool2d(x, 3, m_stride, 1);
        if (m_pool_conv) pooled = m_pool_conv->forward(pooled);
        const torch::Tensor left = torch::relu(m_sep7->forward(x) + m_sep3->forward(x));
        const torch::Tensor right = torch::relu(pooled + m_sep5->forward(x));
        return m_reduce->forward(torch::cat({left, right}, 1));
    }

private:
    std::int64_t m_stride;
    Stack m_sep7{nullptr}, m_sep3{nullptr}, m_sep5{nullptr}, m_pool_conv{nullptr}, m_reduce{nullptr};
};
TORCH_MODULE(CellB);

}  // namespace

NetPtr make_efficientnetb0(ImageShape input, int classes) {
    require_input("efficientnetb0", input, 16, 32);
    struct Stage {
        std::int64_t expand, channels, repeats, kernel, stride;
    };
    const Stage stages[] = {{1, 16, 1, 3, 1}, {6, 24, 2, 3, 2}, {6, 40, 2, 5, 2}, {6, 80, 3, 3, 2},
                            {6, 112, 3, 5, 1}, {6, 192, 4, 5, 2}, {6, 320, 1, 3, 1}};
    Stack f;
    f->push_back(conv_bn(input.channels, 32, 3, 1, 1, Act::none));
    f->push_back(Swish());
    std::int64_t channels = 32;
    for (const auto& s : stages) {
        for (std::int64_t i = 0; i < s.repeats; ++i) {
            f->push_back(MbConv(channels, s.channels, s.kernel, i == 0 ? s.stride : 1, s.expand));
            channels = s.channels;
        }
    }
    f->push_back(torch::nn::AdaptiveAvgPool2d(1));
    return std::make_shared<FeaturesClassifier>(f, channels, classes, 0.2);  // no 1x1 head conv in this definition
}

NetPtr make_googlenet(ImageShape input, int classes) {
    require_input("googlenet", input, 4, 32);
    const auto pool = [] { return torch::nn::MaxPool2d(torch::nn::MaxPool2dOptions(3).stride(2).padding(1)); };
    Stack f;
    f->push_back(conv_bn(input.channels, 192, 3, 1, 1, Act::relu, true));
    f->push_back(Inception(192, 64, 96, 128, 16, 32, 32));     // a3 -> 256
    f->push_back(Inception(256, 128, 128, 192, 32, 96, 64));   // b3 -> 480
    f->push_back(pool());
    f->push_back(Inception(480, 192, 96, 208, 16, 48, 64));    // a4 -> 512
    f->push_back(Inception(512, 160, 112, 224, 24, 64, 64));   // b4 -> 512
    f->push_back(Inception(512, 128, 128, 256, 24, 64, 64));   // c4 -> 512
    f->push_back(Inception(512, 112, 144, 288, 32, 64, 64));   // d4 -> 528
    f->push_back(Inception(528, 256, 160, 320, 32, 128, 128)); // e4 -> 832
    f->push_back(pool());
    f->push_back(Inception(832, 256, 160, 320, 32, 128, 128)); // a5 -> 832
    f->push_back(Inception(832, 384, 192, 384, 48, 128, 128)); // b5 -> 1024
    f->push_back(torch::nn::AdaptiveAvgPool2d(1));
    return std::make_shared<FeaturesClassifier>(f, 1024, classes);
}

NetPtr make_mobilenet(ImageShape input, int classes) {
    require_input("mobilenet", input, 16, 32);
    // Output channels of the 13 depthwise-separable blocks; negative = stride 2.
    const std::int64_t widths[] = {64, -128, 128, -256, 256, -512, 512, 512, 512, 512, 512, -1024, 1024};
    Stack f;
    f->push_back(conv_bn(input.channels, 32, 3, 1, 1, Act::relu));
    std::int64_t channels = 32;
    for (std::int64_t w : widths) {
        const std::int64_t out = w < 0 ? -w : w;
        f->push_back(Stack(conv_bn(channels, channels, 3, w < 0 ? 2 : 1, channels, Act::relu), conv_bn(channels, out, 1, 1, 1, Act::relu)));
        channels = out;
    }
    f->push_back(torch::nn::AdaptiveAvgPool2d(1));
    return std::make_shared<FeaturesClassifier>(f, channels, classes);
}

NetPtr make_mobilenetv2_cifar(ImageShape input, int classes) {
    require_input("mobilenetv2", input, 8, 32);
    struct Stage {
        std::int64_t expand, channels, repeats, stride;
    };
    // The definition's settings: the stem and the second stage at stride 1 for 32x32 inputs.
    const Stage stages[] = {{1, 16, 1, 1}, {6, 24, 2, 1}, {6, 32, 3, 2}, {6, 64, 4, 2}, {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}};
    Stack f;
    f->push_back(conv_bn(input.channels, 32, 3, 1, 1, Act::relu));
    std::int64_t channels = 32;
    for (const auto& s : stages) {
        for (std::int64_t i = 0; i < s.repeats; ++i) {
            f->push_back(CifarInvertedResidual(channels, s.channels, s.expand, i == 0 ? s.stride : 1));
            channels = s.channels;
        }
    }
    f->push_back(conv_bn(channels, 1280, 1, 1, 1, Act::relu));
    f->push_back(torch::nn::AdaptiveAvgPool2d(1));
    return std::make_shared<FeaturesClassifier>(f, 1280, classes);
}

NetPtr make_pnasnetb(ImageShape input, int classes) {
    require_input("pnasnetb", input, 4, 32);
    const std::int64_t planes = 32;
    Stack f;
    f->push_back(conv_bn(input.channels, planes, 3, 1, 1, Act::relu));
    std::int64_t channels = planes;
    for (int stage = 0; stage < 3; ++stage) {
        const std::int64_t width = planes << stage;  // 32, 64, 128
        if (stage > 0) f->push_back(CellB(channels, width, 2));  // downsampling cell
        for (int i = 0; i < 6; ++i) f->push_back(CellB(width, width, 1));
        channels = width;
    }
    f->push_back(torch::nn::AdaptiveAvgPool2d(1));
    return std::make_shared<FeaturesClassifier>(f, channels, classes);
}

}  // namespace powerml::workloads::zoo
