#include "powerml/sensors/gpu_selection.hpp"

#include <gtest/gtest.h>

#include "powerml/core/error.hpp"

using powerml::sensors::GpuSelection;

TEST(GpuSelectionTest, CudaVisibleDevicesFollowsCudaRules) {
    auto s = GpuSelection::parse_cuda_visible("1, GPU-8a3f,MIG-77");
    ASSERT_EQ(s.entries().size(), 3u);
    EXPECT_EQ(s.entries()[0].index, 1u);
    EXPECT_EQ(s.entries()[1].uuid, "GPU-8a3f");
    EXPECT_EQ(s.entries()[2].uuid, "MIG-77");
    // CUDA ignores everything from the first invalid entry on
    auto cut = GpuSelection::parse_cuda_visible("0,-1,2");
    ASSERT_EQ(cut.entries().size(), 1u);
    EXPECT_FALSE(cut.is_all());
    EXPECT_TRUE(GpuSelection::parse_cuda_visible("").entries().empty());
    EXPECT_FALSE(GpuSelection::parse_cuda_visible("").is_all());
}

TEST(GpuSelectionTest, FlagIsStrictAndWinsOverEnvironment) {
    EXPECT_THROW(GpuSelection::parse_flag("0,x"), powerml::Error);
    EXPECT_TRUE(GpuSelection::parse_flag("all").is_all());
    auto s = GpuSelection::choose(std::string("3"), std::string("0,1"));
    EXPECT_EQ(s.origin(), "--gpus");
    ASSERT_EQ(s.entries().size(), 1u);
    EXPECT_EQ(s.entries()[0].index, 3u);
    EXPECT_EQ(GpuSelection::choose(std::nullopt, std::string("0,1")).entries().size(), 2u);
    EXPECT_TRUE(GpuSelection::choose(std::nullopt, std::nullopt).is_all());
}
