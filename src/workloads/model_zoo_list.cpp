// The names of the built-in models: known with or without Torch, so that a build without it
// can still say what it would offer.
#include "powerml/core/error.hpp"
#include "powerml/workloads/model_zoo.hpp"

namespace powerml::workloads {

const char* const k_no_torch_message = "built without Torch; reconfigure with -DPOWERML_WITH_TORCH=ON (Debian: apt-get install "
                                       "--no-install-recommends libtorch-dev)";

std::vector<ZooEntry> zoo_models() {
    // Ordered by size, as seed 001 spread its 16 architectures from LeNet to VGG-16.
    return {
        {"mlp", "3-layer perceptron (256, 128 units): any image size, the smallest"},
        {"lenet", "LeNet-5 (6 and 16 5x5 filters, 120-84 units): ~62k parameters"},
        {"shufflenetv2", "ShuffleNetV2 x1.0, small-image stem: ~1.3M parameters"},
        {"mobilenetv2", "MobileNetV2, small-image stem: ~2.2M parameters"},
        {"vgg11", "VGG-11 with batch norm for 32x32 images: ~9.2M parameters"},
        {"resnet18", "ResNet-18, small-image stem: ~11.2M parameters"},
        {"vgg16", "VGG-16 with batch norm for 32x32 images: ~14.7M parameters"},
        {"shufflenetv2-imagenet", "ShuffleNetV2 x1.0 in torchvision's layout (224x224 inputs)"},
        {"mobilenetv2-imagenet", "MobileNetV2 in torchvision's layout (224x224 inputs)"},
        {"resnet18-imagenet", "ResNet-18 in torchvision's layout (224x224 inputs)"},
    };
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
