// CIFAR-10's binary version (data_batch_1..5.bin, test_batch.bin): 10,000 records per file,
// each one label byte then 1,024 red, 1,024 green and 1,024 blue bytes of a 32x32 image.
#include <fmt/format.h>

#include "powerml/core/error.hpp"
#include "powerml/workloads/image_dataset.hpp"

namespace powerml::workloads {

ImageDataset read_cifar10_batches(const std::vector<std::filesystem::path>& files, const std::string& name) {
    constexpr std::size_t k_image_bytes = 3 * 32 * 32;
    constexpr std::size_t k_record_bytes = 1 + k_image_bytes;
    ImageDataset set;
    set.name = name;
    set.shape = {3, 32, 32};
    set.classes = 10;
    for (const auto& file : files) {
        const std::string bytes = read_maybe_gzip(file);
        if (bytes.empty() || bytes.size() % k_record_bytes != 0)
            throw Error(fmt::format("{}: {} bytes is not a whole number of CIFAR-10 records ({} bytes each)", file.string(),
                                    bytes.size(), k_record_bytes));
        const std::size_t records = bytes.size() / k_record_bytes;
        for (std::size_t r = 0; r < records; ++r) {
            const auto* record = reinterpret_cast<const unsigned char*>(bytes.data() + r * k_record_bytes);
            if (record[0] > 9)
                throw Error(fmt::format("{}: record {} (byte {}) has label {}, CIFAR-10 labels are 0..9", file.string(), r,
                                        r * k_record_bytes, record[0]));
            set.labels.push_back(record[0]);
            for (std::size_t i = 0; i < k_image_bytes; ++i) set.pixels.push_back(static_cast<float>(record[1 + i]) / 255.0f);
        }
        if (!set.source.empty()) set.source += ", ";
        set.source += file.string();
    }
    return set;
}

}  // namespace powerml::workloads
