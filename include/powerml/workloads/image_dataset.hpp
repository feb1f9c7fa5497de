#pragma once
// Labelled images in memory, the one shape every data source is turned into: Fashion-MNIST
// (IDX files), scikit-learn's digits (CSV), CIFAR-10 (binary batches) and a synthetic source
// for pure energy profiling. No Torch here, so loaders build and test without it.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace powerml::workloads {

struct ImageShape {
    int channels = 1;
    int height = 0;
    int width = 0;
    std::int64_t pixels() const { return static_cast<std::int64_t>(channels) * height * width; }
    bool operator==(const ImageShape&) const = default;
};

// "3x32x32"; throws Error naming `field` when it is not CxHxW with positive sizes.
ImageShape parse_image_shape(const std::string& text, const std::string& field);
std::string format_image_shape(const ImageShape& shape);

struct ImageDataset {
    std::string name;    // "fashion-mnist/train"
    std::string source;  // where it was read from, for reports
    ImageShape shape;
    int classes = 0;
    std::vector<float> pixels;          // size() x C x H x W, scaled to [0, 1]
    std::vector<std::int64_t> labels;   // 0 .. classes-1

    std::int64_t size() const { return static_cast<std::int64_t>(labels.size()); }
};

enum class Split { train, test };

struct DatasetRequest {
    // fashion-mnist | digits | cifar10 | synthetic | synthetic:CxHxW
    std::string name = "synthetic";
    Split split = Split::train;
    std::optional<std::filesystem::path> data_dir;  // overrides the default location
    std::int64_t synthetic_samples = 1024;          // how many images the synthetic source makes
    std::uint32_t seed = 1;
};

// Names the loader accepts, with one line each, for --help and errors.
std::vector<std::pair<std::string, std::string>> dataset_catalog();

// The image shape and class count of a data set by name, without loading it.
ImageShape dataset_image_shape(const std::string& name);

// Loads the request; throws Error with the package or download to get when the data set is
// not installed, and naming the file and byte offset when a file is malformed.
ImageDataset load_dataset(const DatasetRequest& request);

// The individual formats, for tests and other callers.
// IDX images (magic 0x803) and labels (magic 0x801), gzipped or plain.
ImageDataset read_idx_pair(const std::filesystem::path& images, const std::filesystem::path& labels, const std::string& name);
// scikit-learn's digits.csv(.gz): 64 values 0..16 then the label on each row.
ImageDataset read_digits_csv(const std::filesystem::path& path, Split split);
// CIFAR-10 binary batches: per record one label byte then 3,072 bytes (R, G, B planes of 32x32).
ImageDataset read_cifar10_batches(const std::vector<std::filesystem::path>& files, const std::string& name);
// Deterministic images whose class shows as a faint per-class pattern under noise: learnable,
// and with exactly the shape and count asked for.
ImageDataset make_synthetic(ImageShape shape, int classes, std::int64_t samples, std::uint32_t seed);

// Whole file, gunzipped when it starts with the gzip magic (zlib). Throws Error naming the path.
std::string read_maybe_gzip(const std::filesystem::path& path);

}  // namespace powerml::workloads
