// Images for pure energy profiling: the cost of a training step depends on the tensor shapes,
// not on what the pixels show, so any data of the right shape measures the same energy. Each
// class still gets its own faint pattern under noise so that a training run visibly learns.
#include <algorithm>
#include <random>

#include "powerml/core/error.hpp"
#include "powerml/workloads/image_dataset.hpp"

namespace powerml::workloads {

ImageDataset make_synthetic(ImageShape shape, int classes, std::int64_t samples, std::uint32_t seed) {
    if (shape.channels <= 0 || shape.height <= 0 || shape.width <= 0) throw Error("synthetic data: image shape must be positive");
    if (classes < 2) throw Error("synthetic data: at least 2 classes");
    if (samples <= 0) throw Error("synthetic data: --samples must be positive");
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
    std::normal_distribution<float> noise(0.0f, 0.25f);
    const std::int64_t pixels = shape.pixels();
    // One fixed random pattern per class (same for every seed, so train and test agree).
    std::mt19937 pattern_rng(12345);
    std::vector<float> patterns(static_cast<std::size_t>(classes * pixels));
    for (auto& p : patterns) p = uniform(pattern_rng);

    ImageDataset set;
    set.name = "synthetic";
    set.source = "synthetic " + format_image_shape(shape);
    set.shape = shape;
    set.classes = classes;
    set.pixels.resize(static_cast<std::size_t>(samples * pixels));
    set.labels.resize(static_cast<std::size_t>(samples));
    for (std::int64_t i = 0; i < samples; ++i) {
        const int label = static_cast<int>(rng() % static_cast<std::uint32_t>(classes));
        set.labels[static_cast<std::size_t>(i)] = label;
        const float* pattern = &patterns[static_cast<std::size_t>(label * pixels)];
        float* out = &set.pixels[static_cast<std::size_t>(i * pixels)];
        for (std::int64_t p = 0; p < pixels; ++p) out[p] = std::clamp(0.5f * pattern[p] + 0.25f + noise(rng), 0.0f, 1.0f);
    }
    return set;
}

}  // namespace powerml::workloads
