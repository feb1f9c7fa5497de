// The data loaders on the real Debian-packaged data sets and on files the tests write.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "powerml/core/error.hpp"
#include "powerml/workloads/image_dataset.hpp"
#include "support/temp_dir.hpp"

using namespace powerml;
using namespace powerml::workloads;

namespace {

std::string be32(std::uint32_t v) {
    return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
}

std::string error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST(DatasetLoaderTest, FashionMnistFromTheDebianPackage) {
    // dataset-fashion-mnist: 60,000 training and 10,000 test images of 28x28, 6,000 / 1,000 per class.
    DatasetRequest request;
    request.name = "fashion-mnist";
    const ImageDataset train = load_dataset(request);
    EXPECT_EQ(train.size(), 60000);
    EXPECT_EQ(train.shape, (ImageShape{1, 28, 28}));
    EXPECT_EQ(train.classes, 10);
    std::map<std::int64_t, int> per_class;
    for (auto label : train.labels) ++per_class[label];
    for (int c = 0; c < 10; ++c) EXPECT_EQ(per_class[c], 6000) << c;
    request.split = Split::test;
    const ImageDataset test = load_dataset(request);
    EXPECT_EQ(test.size(), 10000);
    float lo = 1, hi = 0;
    for (float p : test.pixels) lo = std::min(lo, p), hi = std::max(hi, p);
    EXPECT_EQ(lo, 0.0f);
    EXPECT_EQ(hi, 1.0f);
}

TEST(DatasetLoaderTest, DigitsFromScikitLearn) {
    DatasetRequest request;
    request.name = "digits";
    const ImageDataset train = load_dataset(request);
    request.split = Split::test;
    const ImageDataset test = load_dataset(request);
    EXPECT_EQ(train.size() + test.size(), 1797);  // the UCI optical digits as sklearn ships them
    EXPECT_EQ(train.size(), 1437);                // the first 80 %
    EXPECT_EQ(train.shape, (ImageShape{1, 8, 8}));
    // The file's first row: 0,0,5,13,9,1,0,0,... label 0.
    EXPECT_EQ(train.labels[0], 0);
    EXPECT_FLOAT_EQ(train.pixels[2], 5.0f / 16.0f);
    EXPECT_FLOAT_EQ(train.pixels[3], 13.0f / 16.0f);
}

TEST(DatasetLoaderTest, IdxFilesWrittenHereAndTheirErrors) {
    test::TempDir dir;
    std::string images = be32(0x803) + be32(2) + be32(2) + be32(3) + std::string("\x00\x10\x20\x30\x40\xff", 6) +
                         std::string("\x01\x02\x03\x04\x05\x06", 6);
    std::string labels = be32(0x801) + be32(2) + std::string("\x07\x02", 2);
    const auto img = dir.write("img.idx", images);
    const auto lab = dir.write("lab.idx", labels);
    const ImageDataset set = read_idx_pair(img, lab, "mine");
    EXPECT_EQ(set.size(), 2);
    EXPECT_EQ(set.shape, (ImageShape{1, 2, 3}));
    EXPECT_FLOAT_EQ(set.pixels[5], 1.0f);
    EXPECT_EQ(set.labels[0], 7);
    EXPECT_EQ(set.classes, 8);

    const auto short_img = dir.write("short.idx", images.substr(0, images.size() - 1));
    EXPECT_NE(error_of([&] { read_idx_pair(short_img, lab, "x"); }).find("truncated"), std::string::npos);
    EXPECT_NE(error_of([&] { read_idx_pair(lab, lab, "x"); }).find("not an IDX image file"), std::string::npos);
    const auto three = dir.write("three.idx", be32(0x801) + be32(3) + std::string("\x01\x02\x03", 3));
    EXPECT_NE(error_of([&] { read_idx_pair(img, three, "x"); }).find("2 images but"), std::string::npos);
}

TEST(DatasetLoaderTest, MissingDataSetsSayWhatToInstall) {
    test::TempDir dir;
    DatasetRequest request;
    request.data_dir = dir.path();
    request.name = "fashion-mnist";
    EXPECT_NE(error_of([&] { load_dataset(request); }).find("apt-get install dataset-fashion-mnist"), std::string::npos);
    request.name = "digits";
    EXPECT_NE(error_of([&] { load_dataset(request); }).find("python3-sklearn"), std::string::npos);
    request.name = "cifar10";
    EXPECT_NE(error_of([&] { load_dataset(request); }).find("cifar-10-binary.tar.gz"), std::string::npos);
    request.name = "imagenet";
    EXPECT_NE(error_of([&] { load_dataset(request); }).find("unknown data set 'imagenet'"), std::string::npos);
}

TEST(DatasetLoaderTest, Cifar10BinaryRecords) {
    test::TempDir dir;
    std::string batch;
    for (int r = 0; r < 3; ++r) {
        batch += static_cast<char>(r + 4);  // labels 4, 5, 6
        for (int plane = 0; plane < 3; ++plane) batch += std::string(1024, static_cast<char>(plane * 100 + r));
    }
    dir.write("data_batch_1.bin", batch);
    dir.write("data_batch_2.bin", batch.substr(0, 3073));
    dir.write("test_batch.bin", batch.substr(3073));
    DatasetRequest request;
    request.name = "cifar10";
    request.data_dir = dir.path();
    const ImageDataset train = load_dataset(request);
    EXPECT_EQ(train.size(), 4);
    EXPECT_EQ(train.shape, (ImageShape{3, 32, 32}));
    EXPECT_EQ(train.labels[1], 5);
    // Record 1: red plane 1, green 101, blue 201 (planes in R, G, B order).
    EXPECT_FLOAT_EQ(train.pixels[3072 + 0], 1.0f / 255.0f);
    EXPECT_FLOAT_EQ(train.pixels[3072 + 1024], 101.0f / 255.0f);
    EXPECT_FLOAT_EQ(train.pixels[3072 + 2048 + 1023], 201.0f / 255.0f);
    request.split = Split::test;
    EXPECT_EQ(load_dataset(request).size(), 2);

    dir.write("bad/data_batch_1.bin", batch.substr(0, 100));
    request.split = Split::train;
    request.data_dir = dir.path() / "bad";
    EXPECT_NE(error_of([&] { load_dataset(request); }).find("not a whole number of CIFAR-10 records"), std::string::npos);
}

TEST(DatasetLoaderTest, SyntheticIsDeterministicAndShaped) {
    DatasetRequest request;
    request.name = "synthetic:1x8x4";
    request.synthetic_samples = 50;
    const ImageDataset a = load_dataset(request);
    const ImageDataset b = load_dataset(request);
    EXPECT_EQ(a.size(), 50);
    EXPECT_EQ(a.shape, (ImageShape{1, 8, 4}));
    EXPECT_EQ(a.pixels, b.pixels);
    request.split = Split::test;
    EXPECT_NE(load_dataset(request).pixels, a.pixels);  // other images around the same class patterns
    EXPECT_EQ(dataset_image_shape("synthetic"), (ImageShape{3, 32, 32}));
    EXPECT_EQ(dataset_image_shape("fashion-mnist"), (ImageShape{1, 28, 28}));
    EXPECT_NE(error_of([] { parse_image_shape("3x32", "--dataset"); }).find("--dataset"), std::string::npos);
}
