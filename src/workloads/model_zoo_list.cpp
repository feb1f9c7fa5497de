// The names of the built-in models: known with or without Torch, so that a build without it
// can still say what it would offer.
#include "powerml/core/error.hpp"
#include "powerml/workloads/model_zoo.hpp"

namespace powerml::workloads {

const char* const k_no_torch_message = "built without Torch; reconfigure with -DPOWERML_WITH_TORCH=ON (Debian: apt-get install "
                                       "--no-install-recommends libtorch-dev)";

std::vector<ZooEntry> zoo_models() {
    // Seed 001's sixteen CIFAR-10 architectures (as the widely used pytorch-cifar definitions lay
    // them out; parameters at 3x32x32 and 10 classes), ordered by size, then the extras.
    return {
        {"lenet", "LeNet-5 (6 and 16 5x5 filters, 120-84 units): 62,006 parameters"},
        {"pnasnetb", "PNASNet-B (cell B, 32-64-128 planes): 451,626 parameters"},
        {"shufflenetv2", "ShuffleNetV2 x1.0, stride-1 stem: 1,263,854 parameters"},
        {"mobilenetv2", "MobileNetV2 for 32x32 (stride-1 stem and stage 2, 1x1 shortcut convs): 2,296,922 parameters"},
        {"regnetx_200mf", "RegNetX-200MF (group width 8): 2,321,946 parameters"},
        {"mobilenet", "MobileNet v1 (13 depthwise-separable blocks): 3,217,226 parameters"},
        {"efficientnetb0", "EfficientNet-B0 for 32x32 (MBConv with SE, swish): 3,599,686 parameters"},
        {"googlenet", "GoogLeNet (9 inception modules, 192-channel 3x3 stem): 6,166,250 parameters"},
        {"densenet121", "DenseNet-121 (growth 32, blocks 6-12-24-16): 6,956,298 parameters"},
        {"resnext29_2x64d", "ResNeXt-29 2x64d: 9,128,778 parameters"},
        {"preactresnet18", "Pre-activation ResNet-18: 11,171,146 parameters"},
        {"resnet18", "ResNet-18, 3x3 stride-1 stem: 11,173,962 parameters"},
        {"senet18", "SENet-18 (pre-activation blocks with squeeze-and-excitation): 11,260,354 parameters"},
        {"dpn26", "DPN-26 (dual path, blocks 2-2-2-2): 11,574,842 parameters"},
        {"vgg16", "VGG-16 with batch norm for 32x32 images: 14,728,266 parameters"},
        {"simpledla", "SimpleDLA (deep layer aggregation, simplified): 15,142,970 parameters"},
        {"mlp", "3-layer perceptron (256, 128 units): any image size, the smallest"},
        {"vgg11", "VGG-11 with batch norm for 32x32 images: ~9.2M parameters"},
        {"shufflenetv2-imagenet", "ShuffleNetV2 x1.0 in torchvision's layout (224x224 inputs)"},
        {"mobilenetv2-imagenet", "MobileNetV2 in torchvision's layout (224x224 inputs)"},
        {"resnet18-imagenet", "ResNet-18 in torchvision's layout (224x224 inputs)"},
    };
}

std::vector<std::string> seed001_models() {
    return {"simpledla", "dpn26",   "densenet121",    "efficientnetb0", "googlenet",       "lenet",   "mobilenet",    "mobilenetv2",
            "pnasnetb",  "preactresnet18", "regnetx_200mf", "resnet18", "resnext29_2x64d", "senet18", "shufflenetv2", "vgg16"};
}

void check_model_name(const std::string& name) {
    std::string known;
    for (const auto& entry : zoo_models()) {
        if (entry.name == name) return;
        known += (known.empty() ? "" : ", ") + entry.name;
    }
    throw Error("--model: unknown model '" + name + "' (built-in: " + known + ")");
}

}  // namespace powerml::workloads
