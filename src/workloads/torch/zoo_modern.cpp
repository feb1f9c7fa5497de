// Residual and mobile architectures: ResNet-18, MobileNetV2 and ShuffleNetV2 (x1.0), each in
// torchvision's layout ("-imagenet": a downsampling stem for 224x224 inputs, so that counts can
// be checked against published figures) and in the small-image layout CIFAR model zoos use
// (stride-1 stem, no stem pooling), which is what seed 001 trained on 32x32 images.
#include "zoo_nets.hpp"

namespace powerml::workloads::zoo {

BasicBlockImpl::BasicBlockImpl(std::int64_t in, std::int64_t out, std::int64_t stride) {
    m_body = register_module("body", Stack(conv_bn(in, out, 3, stride, 1, Act::relu), conv_bn(out, out, 3, 1, 1, Act::none)));
    if (stride != 1 || in != out) m_shortcut = register_module("shortcut", conv_bn(in, out, 1, stride, 1, Act::none));
}

torch::Tensor BasicBlockImpl::forward(const torch::Tensor& x) {
    const torch::Tensor identity = m_shortcut ? m_shortcut->forward(x) : x;
    return torch::relu(m_body->forward(x) + identity);
}

namespace {

class ResNet18 : public Net {
public:
    ResNet18(ImageShape input, int classes, bool imagenet_stem) {
        require_input(imagenet_stem ? "resnet18-imagenet" : "resnet18", input, imagenet_stem ? 32 : 8, imagenet_stem ? 224 : 32);
        Stack stem;
        if (imagenet_stem) {
            stem->push_back(Conv(input.channels, 64, 7, 2, 3));
            stem->push_back(torch::nn::BatchNorm2d(64));
            stem->push_back(torch::nn::ReLU(true));
            stem->push_back(torch::nn::MaxPool2d(torch::nn::MaxPool2dOptions(3).stride(2).padding(1)));
        } else {
            stem->push_back(conv_bn(input.channels, 64, 3, 1, 1, Act::relu));
        }
        Stack layers;
        std::int64_t channels = 64;
        for (std::int64_t width : {64, 128, 256, 512}) {
            const std::int64_t stride = width == 64 ? 1 : 2;
            layers->push_back(BasicBlock(channels, width, stride));
            layers->push_back(BasicBlock(width, width, 1));
            channels = width;
        }
        layers->push_back(torch::nn::AdaptiveAvgPool2d(1));
        m_features = register_module("features", Stack(stem, layers));
        m_fc = register_module("fc", Fc(512, classes));
    }
    torch::Tensor forward(torch::Tensor x) override { return m_fc->forward(m_features->forward(x).flatten(1)); }

private:
    Stack m_features{nullptr};
    Fc m_fc{nullptr};
};

class InvertedResidualImpl : public torch::nn::Module {
public:
    InvertedResidualImpl(std::int64_t in, std::int64_t out, std::int64_t stride, std::int64_t expand)
        : m_residual(stride == 1 && in == out) {
        const std::int64_t hidden = in * expand;
        Stack body;
        if (expand != 1) body->push_back(conv_bn(in, hidden, 1, 1, 1, Act::relu6));
        body->push_back(conv_bn(hidden, hidden, 3, stride, hidden, Act::relu6));  // depthwise
        body->push_back(conv_bn(hidden, out, 1, 1, 1, Act::none));               // linear bottleneck
        m_body = register_module("body", body);
    }
    torch::Tensor forward(const torch::Tensor& x) { return m_residual ? x + m_body->forward(x) : m_body->forward(x); }

private:
    bool m_residual;
    Stack m_body{nullptr};
};
TORCH_MODULE(InvertedResidual);

class MobileNetV2 : public Net {
public:
    MobileNetV2(ImageShape input, int classes, bool imagenet_stem) {
        require_input(imagenet_stem ? "mobilenetv2-imagenet" : "mobilenetv2", input, imagenet_stem ? 32 : 16,
                      imagenet_stem ? 224 : 32);
        struct Stage {
            std::int64_t expand, channels, repeats, stride;
        };
        // torchvision's settings; the small-image layout keeps the second stage at stride 1.
        const std::vector<Stage> stages = {{1, 16, 1, 1},  {6, 24, 2, imagenet_stem ? 2 : 1}, {6, 32, 3, 2}, {6, 64, 4, 2},
                                           {6, 96, 3, 1},  {6, 160, 3, 2},                    {6, 320, 1, 1}};
        Stack features;
        features->push_back(conv_bn(input.channels, 32, 3, imagenet_stem ? 2 : 1, 1, Act::relu6));
        std::int64_t channels = 32;
        for (const auto& stage : stages) {
            for (std::int64_t i = 0; i < stage.repeats; ++i) {
                features->push_back(InvertedResidual(channels, stage.channels, i == 0 ? stage.stride : 1, stage.expand));
                channels = stage.channels;
            }
        }
        features->push_back(conv_bn(channels, 1280, 1, 1, 1, Act::relu6));
        features->push_back(torch::nn::AdaptiveAvgPool2d(1));
        m_features = register_module("features", features);
        m_dropout = register_module("dropout", torch::nn::Dropout(0.2));
        m_classifier = register_module("classifier", Fc(1280, classes));
    }
    torch::Tensor forward(torch::Tensor x) override {
        return m_classifier->forward(m_dropout->forward(m_features->forward(x).flatten(1)));
    }

private:
    Stack m_features{nullptr};
    torch::nn::Dropout m_dropout{nullptr};
    Fc m_classifier{nullptr};
};

torch::Tensor shuffle_channels(const torch::Tensor& x, std::int64_t groups) {
    const auto n = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
    return x.view({n, groups, c / groups, h, w}).transpose(1, 2).contiguous().view({n, c, h, w});
}

class ShuffleBlockImpl : public torch::nn::Module {
public:
    ShuffleBlockImpl(std::int64_t in, std::int64_t out, std::int64_t stride) : m_stride(stride) {
        const std::int64_t half = out / 2;
        if (stride > 1)
            m_branch1 = register_module("branch1", Stack(conv_bn(in, in, 3, stride, in, Act::none),
                                                              conv_bn(in, half, 1, 1, 1, Act::relu)));
        m_branch2 = register_module("branch2", Stack(conv_bn(stride > 1 ? in : half, half, 1, 1, 1, Act::relu),
                                                          conv_bn(half, half, 3, stride, half, Act::none),
                                                          conv_bn(half, half, 1, 1, 1, Act::relu)));
    }
    torch::Tensor forward(const torch::Tensor& x) {
        torch::Tensor out;
        if (m_stride == 1) {
            const auto halves = x.chunk(2, 1);
            out = torch::cat({halves[0], m_branch2->forward(halves[1])}, 1);
        } else {
            out = torch::cat({m_branch1->forward(x), m_branch2->forward(x)}, 1);
        }
        return shuffle_channels(out, 2);
    }

private:
    std::int64_t m_stride;
    Stack m_branch1{nullptr}, m_branch2{nullptr};
};
TORCH_MODULE(ShuffleBlock);

class ShuffleNetV2 : public Net {
public:
    ShuffleNetV2(ImageShape input, int classes, bool imagenet_stem) {
        require_input(imagenet_stem ? "shufflenetv2-imagenet" : "shufflenetv2", input, imagenet_stem ? 32 : 8,
                      imagenet_stem ? 224 : 32);
        Stack features;
        features->push_back(conv_bn(input.channels, 24, 3, imagenet_stem ? 2 : 1, 1, Act::relu));
        if (imagenet_stem) features->push_back(torch::nn::MaxPool2d(torch::nn::MaxPool2dOptions(3).stride(2).padding(1)));
        std::int64_t channels = 24;
        const std::int64_t widths[] = {116, 232, 464};
        const int repeats[] = {4, 8, 4};
        for (int s = 0; s < 3; ++s) {
            for (int i = 0; i < repeats[s]; ++i) {
                features->push_back(ShuffleBlock(channels, widths[s], i == 0 ? 2 : 1));
                channels = widths[s];
            }
        }
        features->push_back(conv_bn(channels, 1024, 1, 1, 1, Act::relu));
        features->push_back(torch::nn::AdaptiveAvgPool2d(1));
        m_features = register_module("features", features);
        m_fc = register_module("fc", Fc(1024, classes));
    }
    torch::Tensor forward(torch::Tensor x) override { return m_fc->forward(m_features->forward(x).flatten(1)); }

private:
    Stack m_features{nullptr};
    Fc m_fc{nullptr};
};

}  // namespace

NetPtr make_resnet18(ImageShape input, int classes, bool imagenet_stem) {
    return std::make_shared<ResNet18>(input, classes, imagenet_stem);
}
NetPtr make_mobilenetv2(ImageShape input, int classes, bool imagenet_stem) {
    return std::make_shared<MobileNetV2>(input, classes, imagenet_stem);
}
NetPtr make_shufflenetv2(ImageShape input, int classes, bool imagenet_stem) {
    return std::make_shared<ShuffleNetV2>(input, classes, imagenet_stem);
}

}  // namespace powerml::workloads::zoo
