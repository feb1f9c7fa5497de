// The counted layers, the model registry, and the classic architectures (MLP, LeNet-5, VGG).
#include <fmt/format.h>

#include "powerml/core/error.hpp"
#include "powerml/workloads/model_zoo.hpp"
#include "zoo_nets.hpp"

namespace powerml::workloads::zoo {

MacRecorder*& active_recorder() {
    thread_local MacRecorder* recorder = nullptr;
    return recorder;
}

namespace {

std::int64_t count_params(torch::nn::Module& module) {
    std::int64_t n = 0;
    for (const auto& p : module.parameters()) n += p.numel();
    return n;
}

std::vector<std::int64_t> per_sample_shape(const torch::Tensor& y) {
    const auto sizes = y.sizes();
    return std::vector<std::int64_t>(sizes.begin() + 1, sizes.end());
}

}  // namespace

ConvImpl::ConvImpl(std::int64_t in, std::int64_t out, std::int64_t kernel, std::int64_t stride, std::int64_t padding,
                   std::int64_t groups, bool bias)
    : m_in_per_group(in / groups), m_kernel_area(kernel * kernel) {
    m_conv = register_module(
        "conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, kernel).stride(stride).padding(padding).groups(groups).bias(bias)));
}

torch::Tensor ConvImpl::forward(const torch::Tensor& x) {
    torch::Tensor y = m_conv(x);
    if (MacRecorder* recorder = active_recorder()) {
        const double outputs = static_cast<double>(y.numel() / y.size(0));
        recorder->layers.push_back({label, "Conv2d", per_sample_shape(y), count_params(*m_conv),
                                    outputs * static_cast<double>(m_in_per_group * m_kernel_area)});
    }
    return y;
}

FcImpl::FcImpl(std::int64_t in, std::int64_t out, bool bias) : m_in(in), m_out(out) {
    m_linear = register_module("linear", torch::nn::Linear(torch::nn::LinearOptions(in, out).bias(bias)));
}

torch::Tensor FcImpl::forward(const torch::Tensor& x) {
    torch::Tensor y = m_linear(x);
    if (MacRecorder* recorder = active_recorder())
        recorder->layers.push_back({label, "Linear", per_sample_shape(y), count_params(*m_linear), static_cast<double>(m_in * m_out)});
    return y;
}

Stack conv_bn(std::int64_t in, std::int64_t out, std::int64_t kernel, std::int64_t stride, std::int64_t groups,
                              Act act, bool bias) {
    Stack seq(Conv(in, out, kernel, stride, (kernel - 1) / 2, groups, bias), torch::nn::BatchNorm2d(out));
    if (act == Act::relu) seq->push_back(torch::nn::ReLU(true));
    if (act == Act::relu6) seq->push_back(torch::nn::ReLU6(true));
    return seq;
}

Stack bn_relu_conv(std::int64_t in, std::int64_t out, std::int64_t kernel, std::int64_t stride) {
    return Stack(torch::nn::BatchNorm2d(in), torch::nn::ReLU(), Conv(in, out, kernel, stride, (kernel - 1) / 2));
}

void require_input(const std::string& model, ImageShape input, int min, int suggest) {
    if (input.height < min || input.width < min)
        throw Error(fmt::format("--model {} needs images of at least {}x{}, the data are {}x{}: pass --image-size {} (or choose "
                                "--model mlp)",
                                model, min, min, input.height, input.width, suggest));
}

namespace {

class Mlp : public Net {
public:
    Mlp(ImageShape input, int classes) {
        m_body = register_module("body", Stack(Fc(input.pixels(), 256), torch::nn::ReLU(true), Fc(256, 128),
                                                               torch::nn::ReLU(true), Fc(128, classes)));
    }
    torch::Tensor forward(torch::Tensor x) override { return m_body->forward(x.flatten(1)); }

private:
    Stack m_body{nullptr};
};

// LeNet-5 with ReLU and max pooling (the form used in CIFAR model zoos): 6 and 16 5x5 filters,
// then 120, 84 and `classes` units. Images under 32 pixels get 2 pixels of padding in the first
// convolution, as LeNet had for 28x28 MNIST, so both reach 16 x 5 x 5 features.
class LeNet : public Net {
public:
    LeNet(ImageShape input, int classes) {
        require_input("lenet", input, 12, 28);
        const int pad = input.height < 32 ? 2 : 0;
        const auto side = [pad](int n) { return ((n + 2 * pad - 4) / 2 - 4) / 2; };
        m_features = register_module(
            "features", Stack(Conv(input.channels, 6, 5, 1, pad, 1, true), torch::nn::ReLU(true),
                                              torch::nn::MaxPool2d(2), Conv(6, 16, 5, 1, 0, 1, true), torch::nn::ReLU(true),
                                              torch::nn::MaxPool2d(2)));
        m_classifier = register_module(
            "classifier", Stack(Fc(16 * side(input.height) * side(input.width), 120), torch::nn::ReLU(true),
                                                Fc(120, 84), torch::nn::ReLU(true), Fc(84, classes)));
    }
    torch::Tensor forward(torch::Tensor x) override { return m_classifier->forward(m_features->forward(x).flatten(1)); }

private:
    Stack m_features{nullptr}, m_classifier{nullptr};
};

// VGG with batch norm for 32x32 images: 3x3 convolutions, five max pools to 1x1, one classifier.
class Vgg : public Net {
public:
    Vgg(int depth, ImageShape input, int classes) {
        require_input(fmt::format("vgg{}", depth), input, 32, 32);
        static const std::vector<int> k_vgg11 = {64, 0, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512, 0};
        static const std::vector<int> k_vgg16 = {64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0};
        Stack features;
        std::int64_t channels = input.channels;
        for (int width : depth == 11 ? k_vgg11 : k_vgg16) {
            if (width == 0) {
                features->push_back(torch::nn::MaxPool2d(2));
            } else {
                // Biased convolutions before batch norm, as in torchvision's vgg*_bn and the CIFAR zoos.
                features->push_back(conv_bn(channels, width, 3, 1, 1, Act::relu, true));
                channels = width;
            }
        }
        features->push_back(torch::nn::AdaptiveAvgPool2d(1));
        m_features = register_module("features", features);
        m_classifier = register_module("classifier", Fc(512, classes));
    }
    torch::Tensor forward(torch::Tensor x) override { return m_classifier->forward(m_features->forward(x).flatten(1)); }

private:
    Stack m_features{nullptr};
    Fc m_classifier{nullptr};
};

}  // namespace

NetPtr make_mlp(ImageShape input, int classes) { return std::make_shared<Mlp>(input, classes); }
NetPtr make_lenet(ImageShape input, int classes) { return std::make_shared<LeNet>(input, classes); }
NetPtr make_vgg(int depth, ImageShape input, int classes) { return std::make_shared<Vgg>(depth, input, classes); }

NetPtr make_net(const std::string& name, ImageShape input, int classes) {
    check_model_name(name);
    if (classes < 2) throw Error("a model needs at least 2 classes");
    NetPtr net;
    if (name == "mlp") net = make_mlp(input, classes);
    else if (name == "lenet") net = make_lenet(input, classes);
    else if (name == "vgg11") net = make_vgg(11, input, classes);
    else if (name == "vgg16") net = make_vgg(16, input, classes);
    else if (name == "resnet18") net = make_resnet18(input, classes, false);
    else if (name == "resnet18-imagenet") net = make_resnet18(input, classes, true);
    else if (name == "mobilenetv2") net = make_mobilenetv2_cifar(input, classes);
    else if (name == "mobilenetv2-imagenet") net = make_mobilenetv2(input, classes, true);
    else if (name == "shufflenetv2") net = make_shufflenetv2(input, classes, false);
    else if (name == "shufflenetv2-imagenet") net = make_shufflenetv2(input, classes, true);
    else if (name == "simpledla") net = make_simpledla(input, classes);
    else if (name == "dpn26") net = make_dpn26(input, classes);
    else if (name == "densenet121") net = make_densenet121(input, classes);
    else if (name == "efficientnetb0") net = make_efficientnetb0(input, classes);
    else if (name == "googlenet") net = make_googlenet(input, classes);
    else if (name == "mobilenet") net = make_mobilenet(input, classes);
    else if (name == "pnasnetb") net = make_pnasnetb(input, classes);
    else if (name == "preactresnet18") net = make_preactresnet18(input, classes);
    else if (name == "regnetx_200mf") net = make_regnetx_200mf(input, classes);
    else if (name == "resnext29_2x64d") net = make_resnext29_2x64d(input, classes);
    else if (name == "senet18") net = make_senet18(input, classes);
    else throw Error("--model " + name + ": listed but not built (internal)");
    for (const auto& item : net->named_modules()) {
        if (auto* conv = dynamic_cast<ConvImpl*>(item.value().get())) conv->label = item.key();
        if (auto* fc = dynamic_cast<FcImpl*>(item.value().get())) fc->label = item.key();
    }
    return net;
}

namespace {

bool under(const std::string& name, const std::string& prefix) {
    return name == prefix || (name.size() > prefix.size() && name.compare(0, prefix.size(), prefix) == 0 && name[prefix.size()] == '.');
}

std::string top_level_modules(Net& net) {
    std::string names;
    for (const auto& child : net.named_children()) names += (names.empty() ? "" : ", ") + child.key();
    return names;
}

}  // namespace

void apply_freeze(Net& net, const std::string& model, const std::string& freeze) {
    if (freeze.empty() || freeze == "none") return;
    std::vector<std::string> frozen_prefixes;
    std::string keep;  // all-but-last: the one module left trainable
    if (freeze == "all-but-last") {
        for (const auto& item : net.named_modules(""))
            if (dynamic_cast<FcImpl*>(item.value().get())) keep = item.key();
        if (keep.empty()) throw Error("--freeze all-but-last: model " + model + " has no final fully connected layer");
    } else {
        std::size_t start = 0;
        while (start <= freeze.size()) {
            const std::size_t comma = std::min(freeze.find(',', start), freeze.size());
            const std::string prefix = freeze.substr(start, comma - start);
            if (prefix.empty()) throw Error("--freeze: empty module name in '" + freeze + "'");
            frozen_prefixes.push_back(prefix);
            start = comma + 1;
        }
    }
    std::vector<bool> matched(frozen_prefixes.size(), false);
    for (auto& item : net.named_parameters()) {
        bool frozen = !keep.empty() && !under(item.key(), keep);
        for (std::size_t i = 0; i < frozen_prefixes.size(); ++i)
            if (under(item.key(), frozen_prefixes[i])) frozen = matched[i] = true;
        if (frozen) item.value().set_requires_grad(false);
    }
    for (std::size_t i = 0; i < frozen_prefixes.size(); ++i)
        if (!matched[i])
            throw Error(fmt::format("--freeze {}: model {} has no module '{}' (its modules: {}; or all-but-last)", freeze, model,
                                    frozen_prefixes[i], top_level_modules(net)));
    bool trainable = false;
    for (const auto& p : net.parameters()) trainable = trainable || p.requires_grad();
    if (!trainable) throw Error(fmt::format("--freeze {} leaves model {} nothing to train", freeze, model));
}

}  // namespace powerml::workloads::zoo

namespace powerml::workloads::zoo {

ModelCharacteristics count_characteristics(const std::string& name, ImageShape input, int classes, const std::string& freeze) {
    torch::NoGradGuard no_grad;
    NetPtr net = make_net(name, input, classes);
    apply_freeze(*net, name, freeze);
    net->eval();
    ModelCharacteristics info;
    info.model = name;
    info.source = "builtin";
    info.input = input;
    info.classes = classes;
    for (const auto& p : net->parameters()) {
        info.total_params += p.numel();
        if (p.requires_grad()) info.trainable_params += p.numel();
        info.size_bytes += static_cast<double>(p.numel() * p.element_size());
    }
    for (const auto& b : net->buffers()) {
        info.buffers += b.numel();
        info.size_bytes += static_cast<double>(b.numel() * b.element_size());
    }
    MacRecorder recorder;
    active_recorder() = &recorder;
    try {
        net->forward(torch::zeros({1, input.channels, input.height, input.width}));
    } catch (const c10::Error& e) {
        active_recorder() = nullptr;
        const std::string what = e.what_without_backtrace();
        throw Error(fmt::format("--model {} with input {}: Torch failed: {}", name, format_image_shape(input), what.substr(0, what.find('\n'))));
    } catch (...) {
        active_recorder() = nullptr;
        throw;
    }
    active_recorder() = nullptr;
    info.layers = std::move(recorder.layers);
    for (const auto& layer : info.layers) info.macs += layer.macs;
    return info;
}

}  // namespace powerml::workloads::zoo
