// The IDX format of MNIST and Fashion-MNIST: a big-endian magic (0x00000803 for 3-D unsigned
// bytes, 0x00000801 for 1-D), one big-endian uint32 per dimension, then the bytes.
#include <cstdint>
#include <string>

#include <fmt/format.h>

#include "powerml/core/error.hpp"
#include "powerml/workloads/image_dataset.hpp"

namespace powerml::workloads {

namespace {

std::uint32_t be32(const std::string& data, std::size_t offset, const std::filesystem::path& path) {
    if (data.size() < offset + 4)
        throw Error(fmt::format("{}: truncated IDX header at byte {}", path.string(), offset));
    const auto* p = reinterpret_cast<const unsigned char*>(data.data() + offset);
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]};
}

}  // namespace

ImageDataset read_idx_pair(const std::filesystem::path& images, const std::filesystem::path& labels, const std::string& name) {
    const std::string image_bytes = read_maybe_gzip(images);
    const std::string label_bytes = read_maybe_gzip(labels);
    if (be32(image_bytes, 0, images) != 0x803)
        throw Error(fmt::format("{}: not an IDX image file (magic {:#x}, expected 0x803)", images.string(), be32(image_bytes, 0, images)));
    if (be32(label_bytes, 0, labels) != 0x801)
        throw Error(fmt::format("{}: not an IDX label file (magic {:#x}, expected 0x801)", labels.string(), be32(label_bytes, 0, labels)));
    const std::uint32_t count = be32(image_bytes, 4, images);
    const std::uint32_t rows = be32(image_bytes, 8, images);
    const std::uint32_t cols = be32(image_bytes, 12, images);
    const std::uint32_t label_count = be32(label_bytes, 4, labels);
    if (count != label_count)
        throw Error(fmt::format("{} holds {} images but {} holds {} labels", images.string(), count, labels.string(), label_count));
    if (rows == 0 || cols == 0 || rows > 4096 || cols > 4096)
        throw Error(fmt::format("{}: implausible image size {}x{}", images.string(), rows, cols));
    const std::size_t pixels = static_cast<std::size_t>(rows) * cols;
    if (image_bytes.size() < 16 + pixels * count)
        throw Error(fmt::format("{}: truncated: {} bytes, {} needed for {} images", images.string(), image_bytes.size(),
                                16 + pixels * count, count));
    if (label_bytes.size() < 8 + std::size_t{count})
        throw Error(fmt::format("{}: truncated: {} bytes, {} needed", labels.string(), label_bytes.size(), 8 + std::size_t{count}));

    ImageDataset set;
    set.name = name;
    set.source = images.string();
    set.shape = {1, static_cast<int>(rows), static_cast<int>(cols)};
    set.pixels.resize(pixels * count);
    set.labels.resize(count);
    const auto* in = reinterpret_cast<const unsigned char*>(image_bytes.data() + 16);
    for (std::size_t i = 0; i < set.pixels.size(); ++i) set.pixels[i] = static_cast<float>(in[i]) / 255.0f;
    int max_label = 0;
    for (std::uint32_t i = 0; i < count; ++i) {
        const int label = static_cast<unsigned char>(label_bytes[8 + i]);
        set.labels[i] = label;
        max_label = std::max(max_label, label);
    }
    set.classes = max_label + 1;
    return set;
}

}  // namespace powerml::workloads
