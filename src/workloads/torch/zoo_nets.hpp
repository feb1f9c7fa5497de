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

// Throws Error naming the model when the input is too small (`min` pixels a side).
void require_input(const std::string& model, ImageShape input, int min, int suggest);

NetPtr make_mlp(ImageShape input, int classes);
NetPtr make_lenet(ImageShape input, int classes);
NetPtr make_vgg(int depth, ImageShape input, int classes);
NetPtr make_resnet18(ImageShape input, int classes, bool imagenet_stem);
NetPtr make_mobilenetv2(ImageShape input, int classes, bool imagenet_stem);
NetPtr make_shufflenetv2(ImageShape input, int classes, bool imagenet_stem);

// Parameters, buffers, size and per-layer MACs from one forward pass of one sample.
ModelCharacteristics count_characteristics(const std::string& name, ImageShape input, int classes);

// By zoo name; names its counted layers after their module paths. Throws Error.
NetPtr make_net(const std::string& name, ImageShape input, int classes);

}  // namespace powerml::workloads::zoo
