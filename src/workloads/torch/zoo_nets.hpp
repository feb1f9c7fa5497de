#pragma once
// Internal to the Torch part of workloads: the counted layers every built-in model is made of,
// and the model constructors. Only the .cpp files under src/workloads/torch/ include this
// (each Torch translation unit costs ~20 s to compile: keep them few).
#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "powerml/workloads/model_characteristics.hpp"

namespace powerml::workloads::zoo {

// While set, counted layers append what they computed for one forward pass.
struct MacRecorder {
    std::vector<LayerInfo> layers;
};
MacRecorder*& active_recorder();

// A 2-D convolution that reports its MACs: output elements x (input channels / groups) x kernel area.
class ConvImpl : public torch::nn::Module {
public:
    ConvImpl(std::int64_t in, std::int64_t out, std::int64_t kernel, std::int64_t stride = 1, std::int64_t padding = 0,
             std::int64_t groups = 1, bool bias = false);
    torch::Tensor forward(const torch::Tensor& x);
    std::string label;

private:
    torch::nn::Conv2d m_conv{nullptr};
    std::int64_t m_in_per_group;
    std::int64_t m_kernel_area;
};
TORCH_MODULE(Conv);

// A fully connected layer that reports its MACs: inputs x outputs.
class FcImpl : public torch::nn::Module {
public:
    FcImpl(std::int64_t in, std::int64_t out, bool bias = true);
    torch::Tensor forward(const torch::Tensor& x);
    std::string label;

private:
    torch::nn::Linear m_linear{nullptr};
    std::int64_t m_in, m_out;
};
TORCH_MODULE(Fc);

// A Sequential that can sit inside another one (torch::nn::Sequential's own forward is a
// template, which AnyModule cannot hold).
class StackImpl : public torch::nn::SequentialImpl {
public:
    using SequentialImpl::SequentialImpl;
    torch::Tensor forward(torch::Tensor x) { return SequentialImpl::forward(x); }
};
TORCH_MODULE(Stack);

class Net : public torch::nn::Module {
public:
    virtual torch::Tensor forward(torch::Tensor x) = 0;
};
using NetPtr = std::shared_ptr<Net>;

// conv -> batch norm [-> ReLU or ReLU6]
enum class Act { none, relu, relu6 };
Stack conv_bn(std::int64_t in, std::int64_t out, std::int64_t kernel, std::int64_t stride, std::int64_t groups,
                              Act act, bool bias = false);

// batch norm -> ReLU -> conv (the pre-activation order of DenseNet and PreAct ResNet).
Stack bn_relu_conv(std::int64_t in, std::int64_t out, std::int64_t kernel, std::int64_t stride = 1);

// The residual block of ResNet-18 (and of SimpleDLA's trees): two 3x3 conv-BN, a 1x1 conv-BN
// shortcut where the shape changes, ReLU after the sum.
class BasicBlockImpl : public torch::nn::Module {
public:
    BasicBlockImpl(std::int64_t in, std::int64_t out, std::int64_t stride);
    torch::Tensor forward(const torch::Tensor& x);

private:
    Stack m_body{nullptr}, m_shortcut{nullptr};
};
TORCH_MODULE(BasicBlock);

// features -> flatten -> [dropout] -> classifier: the shape of every CIFAR-zoo model here.
class FeaturesClassifier : public Net {
public:
    FeaturesClassifier(Stack features, std::int64_t width, int classes, double dropout = 0) : m_dropout(dropout) {
        m_features = register_module("features", std::move(features));
        m_classifier = register_module("classifier", Fc(width, classes));
    }
    torch::Tensor forward(torch::Tensor x) override {
        x = m_features->forward(x).flatten(1);
        if (m_dropout > 0) x = torch::dropout(x, m_dropout, is_training());
        return m_classifier->forward(x);
    }

private:
    double m_dropout;
    Stack m_features{nullptr};
    Fc m_classifier{nullptr};
};

// Throws Error naming the model when the input is too small (`min` pixels a side).
void require_input(const std::string& model, ImageShape input, int min, int suggest);

NetPtr make_mlp(ImageShape input, int classes);
NetPtr make_lenet(ImageShape input, int classes);
NetPtr make_vgg(int depth, ImageShape input, int classes);
NetPtr make_resnet18(ImageShape input, int classes, bool imagenet_stem);
NetPtr make_mobilenetv2(ImageShape input, int classes, bool imagenet_stem);
NetPtr make_shufflenetv2(ImageShape input, int classes, bool imagenet_stem);

// Seed 001's CIFAR-10 architectures (the widely used pytorch-cifar definitions), each laid out
// as `features` (everything up to the pooled feature vector) and `classifier` (one Fc), so that
// --freeze features means the same thing for every one. zoo_cifar_residual.cpp:
NetPtr make_simpledla(ImageShape input, int classes);
NetPtr make_dpn26(ImageShape input, int classes);
NetPtr make_densenet121(ImageShape input, int classes);
NetPtr make_preactresnet18(ImageShape input, int classes);
NetPtr make_regnetx_200mf(ImageShape input, int classes);
NetPtr make_resnext29_2x64d(ImageShape input, int classes);
NetPtr make_senet18(ImageShape input, int classes);
// zoo_cifar_mobile.cpp:
NetPtr make_efficientnetb0(ImageShape input, int classes);
NetPtr make_googlenet(ImageShape input, int classes);
NetPtr make_mobilenet(ImageShape input, int classes);
NetPtr make_mobilenetv2_cifar(ImageShape input, int classes);
NetPtr make_pnasnetb(ImageShape input, int classes);

// Parameters (total and trainable after `freeze`), buffers, size and per-layer MACs from one
// forward pass of one sample.
ModelCharacteristics count_characteristics(const std::string& name, ImageShape input, int classes, const std::string& freeze);

// By zoo name; names its counted layers after their module paths. Throws Error.
NetPtr make_net(const std::string& name, ImageShape input, int classes);

// Stops gradients for part of `net` (WorkloadSpec::freeze): "" or "none" nothing; "all-but-last"
// everything except the last fully connected layer; otherwise comma-separated module paths
// ("features", "features.0,features.1"), each of which must name something. Throws Error
// naming the model's modules when one does not, or when nothing would be left to train.
void apply_freeze(Net& net, const std::string& model, const std::string& freeze);

}  // namespace powerml::workloads::zoo
