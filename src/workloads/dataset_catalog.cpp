// Where each data set lives by default, and the one entry point that loads any of them.
#include <algorithm>
#include <charconv>

#include <fmt/format.h>

#include "powerml/core/error.hpp"
#include "powerml/core/paths.hpp"
#include "powerml/workloads/image_dataset.hpp"

namespace powerml::workloads {

namespace fs = std::filesystem;

namespace {

// Debian's dataset-fashion-mnist and python3-sklearn packages put the files here.
const char* const k_fashion_dir = "/usr/share/datasets/fashion-mnist";
const char* const k_digits_file = "/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz";

fs::path find_idx(const fs::path& dir, const std::string& stem) {
    for (const char* suffix : {".gz", ""}) {
        const fs::path candidate = dir / (stem + suffix);
        if (fs::exists(candidate)) return candidate;
    }
    throw Error(fmt::format(
        "Fashion-MNIST is not installed: {} has no {}.gz. Install it with 'apt-get install dataset-fashion-mnist' "
        "(Debian), or pass --data-dir DIR holding the four IDX files",
        dir.string(), stem));
}

ImageDataset load_fashion(const DatasetRequest& request) {
    const fs::path dir = request.data_dir.value_or(k_fashion_dir);
    const std::string prefix = request.split == Split::train ? "train" : "t10k";
    ImageDataset set = read_idx_pair(find_idx(dir, prefix + "-images-idx3-ubyte"), find_idx(dir, prefix + "-labels-idx1-ubyte"),
                                     request.split == Split::train ? "fashion-mnist/train" : "fashion-mnist/test");
    set.classes = 10;
    return set;
}

ImageDataset load_digits(const DatasetRequest& request) {
    const fs::path file = request.data_dir ? *request.data_dir / "digits.csv.gz" : fs::path(k_digits_file);
    if (!fs::exists(file))
        throw Error(fmt::format("scikit-learn's digits are not installed: no {}. Install them with 'apt-get install "
                                "python3-sklearn' (Debian), or pass --data-dir DIR holding digits.csv.gz",
                                file.string()));
    return read_digits_csv(file, request.split);
}

ImageDataset load_cifar10(const DatasetRequest& request) {
    const fs::path dir = request.data_dir.value_or(paths::user_data_dir() / "datasets" / "cifar-10-batches-bin");
    std::vector<fs::path> files;
    if (request.split == Split::test) {
        if (fs::exists(dir / "test_batch.bin")) files.push_back(dir / "test_batch.bin");
    } else {
        for (int i = 1; i <= 5; ++i)
            if (fs::exists(dir / fmt::format("data_batch_{}.bin", i))) files.push_back(dir / fmt::format("data_batch_{}.bin", i));
    }
    if (files.empty())
        throw Error(fmt::format("CIFAR-10 is not installed: {} has no {}. No Debian package ships it: download the "
                                "binary version (cifar-10-binary.tar.gz) from https://www.cs.toronto.edu/~kriz/cifar.html, "
                                "unpack it there or pass --data-dir DIR",
                                dir.string(), request.split == Split::test ? "test_batch.bin" : "data_batch_N.bin"));
    return read_cifar10_batches(files, request.split == Split::train ? "cifar10/train" : "cifar10/test");
}

int parse_positive(std::string_view text, const std::string& whole, const std::string& field) {
    int value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value <= 0 || value > 4096)
        throw Error(fmt::format("{}: '{}' is not CxHxW with sizes 1..4096 (e.g. 3x32x32)", field, whole));
    return value;
}

}  // namespace

ImageShape parse_image_shape(const std::string& text, const std::string& field) {
    const std::size_t a = text.find('x');
    const std::size_t b = a == std::string::npos ? a : text.find('x', a + 1);
    if (a == std::string::npos || b == std::string::npos)
        throw Error(fmt::format("{}: '{}' is not CxHxW (e.g. 3x32x32)", field, text));
    const std::string_view view(text);
    return {parse_positive(view.substr(0, a), text, field), parse_positive(view.substr(a + 1, b - a - 1), text, field),
            parse_positive(view.substr(b + 1), text, field)};
}

std::string format_image_shape(const ImageShape& shape) {
    return fmt::format("{}x{}x{}", shape.channels, shape.height, shape.width);
}

std::vector<std::pair<std::string, std::string>> dataset_catalog() {
    return {
        {"fashion-mnist", "Zalando's Fashion-MNIST, 60,000 + 10,000 28x28 grey images (Debian: dataset-fashion-mnist)"},
        {"digits", "UCI optical digits from scikit-learn, 1,797 8x8 images (Debian: python3-sklearn)"},
        {"cifar10", "CIFAR-10 binary batches, 50,000 + 10,000 32x32 colour images (bring your own, see --data-dir)"},
        {"synthetic", "generated 3x32x32 images in 10 classes, for pure energy profiling (synthetic:CxHxW for other shapes)"},
    };
}

ImageShape dataset_image_shape(const std::string& name) {
    if (name == "fashion-mnist") return {1, 28, 28};
    if (name == "digits") return {1, 8, 8};
    if (name == "cifar10" || name == "synthetic") return {3, 32, 32};
    if (name.starts_with("synthetic:")) return parse_image_shape(name.substr(10), "--dataset");
    DatasetRequest unknown;
    unknown.name = name;
    load_dataset(unknown);  // throws the list of known names
    return {};
}

ImageDataset load_dataset(const DatasetRequest& request) {
    const std::string& name = request.name;
    if (name == "fashion-mnist") return load_fashion(request);
    if (name == "digits") return load_digits(request);
    if (name == "cifar10") return load_cifar10(request);
    if (name == "synthetic" || name.starts_with("synthetic:")) {
        const ImageShape shape = name == "synthetic" ? ImageShape{3, 32, 32} : parse_image_shape(name.substr(10), "--dataset");
        // Train and test draw different images around the same class patterns.
        ImageDataset set = make_synthetic(shape, 10, request.synthetic_samples,
                                          request.seed + (request.split == Split::test ? 1000003u : 0u));
        set.name = request.split == Split::train ? "synthetic/train" : "synthetic/test";
        return set;
    }
    std::string known;
    for (const auto& [key, text] : dataset_catalog()) known += (known.empty() ? "" : ", ") + key;
    throw Error(fmt::format("--dataset: unknown data set '{}' (known: {})", name, known));
}

}  // namespace powerml::workloads
