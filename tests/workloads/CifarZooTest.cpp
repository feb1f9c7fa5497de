// Seed 001's sixteen CIFAR-10 models (3x32x32 inputs, 10 classes), each checked through
// `powerml model-info --model M --format json` against a count derived here from its
// architecture, layer by layer, with the helpers below:
//   conv(in, out, k, side, groups, bias): out x in/groups x k^2 weights (+ out biases);
//                                         MACs = that many weights x side^2 output positions
//   bn(c): 2c parameters (scale, shift), no MACs       fc(in, out): in x out + out; MACs in x out
// `side` is the output height (= width). The derived totals are then compared with the figures
// an independent count of the pytorch-cifar definitions gave (PyTorch 1.13, sum of
// p.numel() over parameters(); MACs by forward hooks on Conv2d and Linear under the same
// convention), written as literals, so that a slip in a derivation cannot agree with a slip in
// the model.
#include <gtest/gtest.h>

#include <functional>

#include <nlohmann/json.hpp>

#include "powerml/core/error.hpp"
#include "powerml/workloads/model_zoo.hpp"
#include "support/run_process.hpp"

using namespace powerml;
using namespace powerml::workloads;
using I = std::int64_t;

namespace {

struct Count {
    I params = 0;
    double macs = 0;
    Count& operator+=(const Count& o) {
        params += o.params;
        macs += o.macs;
        return *this;
    }
    friend Count operator+(Count a, const Count& b) { return a += b; }
};

Count conv(I in, I out, I k, I side, I groups = 1, bool bias = false) {
    const I weights = out * (in / groups) * k * k;
    return {weights + (bias ? out : 0), static_cast<double>(weights * side * side)};
}
Count bn(I c) { return {2 * c, 0}; }
Count conv_bn(I in, I out, I k, I side, I groups = 1, bool bias = false) { return conv(in, out, k, side, groups, bias) + bn(out); }
Count fc(I in, I out) { return {in * out + out, static_cast<double>(in * out)}; }
Count repeat(int n, const std::function<Count(int)>& f) {
    Count c;
    for (int i = 0; i < n; ++i) c += f(i);
    return c;
}

nlohmann::json model_info(const std::string& model, const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {"model-info", "--model", model, "--format", "json"};
    args.insert(args.end(), extra.begin(), extra.end());
    const auto r = test::run_powerml(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.exit_code == 0 ? nlohmann::json::parse(r.out) : nlohmann::json::object();
}

// The model's counts through the CLI against the derivation and the independent figures.
void expect_counts(const std::string& model, const Count& derived, I counted_params, double counted_macs) {
    EXPECT_EQ(derived.params, counted_params) << model << ": the derivation disagrees with the definition's count";
    EXPECT_DOUBLE_EQ(derived.macs, counted_macs) << model << ": the derivation disagrees with the definition's MACs";
    if (!torch_available()) {
        EXPECT_THROW(builtin_characteristics(model, {3, 32, 32}, 10), Error);
        GTEST_SKIP() << "built without Torch: the derivation was checked, the model was not";
    }
    const auto j = model_info(model);
    ASSERT_TRUE(j.contains("total_params")) << j.dump();
    EXPECT_EQ(j["input"], "3x32x32");
    EXPECT_EQ(j["classes"], 10);
    EXPECT_EQ(j["total_params"].get<I>(), derived.params) << model;
    EXPECT_EQ(j["trainable_params"].get<I>(), derived.params) << model;
    EXPECT_DOUBLE_EQ(j["macs"].get<double>(), derived.macs) << model;
    EXPECT_DOUBLE_EQ(j["macs_per_param"].get<double>(), derived.macs / static_cast<double>(derived.params)) << model;
}

// ResNet's basic block: two 3x3 conv-BN, a 1x1 conv-BN shortcut where the shape changes.
Count basic_block(I in, I out, I stride, I side) {
    return conv_bn(in, out, 3, side) + conv_bn(out, out, 3, side) + (stride != 1 || in != out ? conv_bn(in, out, 1, side) : Count{});
}
// Four stages of two blocks at 64..512 channels on 32, 16, 8, 4 pixels.
Count resnet_stages(const std::function<Count(I in, I out, I stride, I side)>& block) {
    Count c;
    I in = 64, side = 32;
    for (I width : {64, 128, 256, 512}) {
        const I stride = width == 64 ? 1 : 2;
        side /= stride;
        c += block(in, width, stride, side) + block(width, width, 1, side);
        in = width;
    }
    return c;
}

}  // namespace

TEST(CifarZooTest, Lenet) {
    // conv 3->6 5x5 (28x28 out), pool, conv 6->16 5x5 (10x10), pool to 16x5x5, 120-84-10 units.
    const Count d = conv(3, 6, 5, 28, 1, true) + conv(6, 16, 5, 10, 1, true) + fc(400, 120) + fc(120, 84) + fc(84, 10);
    expect_counts("lenet", d, 62006, 651720);
}

TEST(CifarZooTest, Resnet18) {
    // 3x3 conv-BN stem at 32x32 (no max pool), 4 x 2 basic blocks, 512 -> 10.
    const Count d = conv_bn(3, 64, 3, 32) + resnet_stages(basic_block) + fc(512, 10);
    expect_counts("resnet18", d, 11173962, 555422720);
}

TEST(CifarZooTest, PreActResnet18) {
    // Bare 3x3 conv stem; block: BN(in), 3x3 conv, BN, 3x3 conv, a bare 1x1 conv shortcut
    // (no BN) where the shape changes. No BN after the last block.
    const auto block = [](I in, I out, I stride, I side) {
        return bn(in) + conv(in, out, 3, side) + bn(out) + conv(out, out, 3, side) +
               (stride != 1 || in != out ? conv(in, out, 1, side) : Count{});
    };
    const Count d = conv(3, 64, 3, 32) + resnet_stages(block) + fc(512, 10);
    expect_counts("preactresnet18", d, 11171146, 555422720);
}

TEST(CifarZooTest, Senet18) {
    // conv-BN stem; PreAct blocks plus squeeze-and-excitation: biased 1x1 convs on the 1x1
    // global average, planes -> planes/16 -> planes.
    const auto block = [](I in, I out, I stride, I side) {
        return bn(in) + conv(in, out, 3, side) + bn(out) + conv(out, out, 3, side) +
               (stride != 1 || in != out ? conv(in, out, 1, side) : Count{}) + conv(out, out / 16, 1, 1, 1, true) +
               conv(out / 16, out, 1, 1, 1, true);
    };
    const Count d = conv_bn(3, 64, 3, 32) + resnet_stages(block) + fc(512, 10);
    expect_counts("senet18", d, 11260354, 555509760);
}

TEST(CifarZooTest, SimpleDla) {
    // Three 3x3 conv-BN (3->16->16->32), then trees; a tree of level 1 is two basic blocks
    // joined by a 1x1 conv-BN root over their concatenation (2 x out -> out); level 2 is two
    // level-1 trees and a root.
    std::function<Count(I, I, int, I, I)> tree = [&](I in, I out, int level, I stride, I side) {
        const Count children = level == 1 ? basic_block(in, out, stride, side) + basic_block(out, out, 1, side)
                                          : tree(in, out, level - 1, stride, side) + tree(out, out, level - 1, 1, side);
        return children + conv_bn(2 * out, out, 1, side);
    };
    const Count d = conv_bn(3, 16, 3, 32) + conv_bn(16, 16, 3, 32) + conv_bn(16, 32, 3, 32) + tree(32, 64, 1, 1, 32) +
                    tree(64, 128, 2, 2, 16) + tree(128, 256, 2, 2, 8) + tree(256, 512, 1, 2, 4) + fc(512, 10);
    expect_counts("simpledla", d, 15142970, 913495040);
}

TEST(CifarZooTest, Dpn26) {
    // Block: 1x1 conv-BN (last -> in, at the input's resolution), grouped 3x3 (32 groups, with
    // the stride), 1x1 to out + dense; the first block of a stage has a 1x1 conv-BN shortcut.
    // After block i the width is out + (i + 2) x dense.
    const I in[] = {96, 192, 384, 768}, out[] = {256, 512, 1024, 2048}, dense[] = {16, 32, 24, 128};
    Count d = conv_bn(3, 64, 3, 32);
    I last = 64, side = 32;
    for (int s = 0; s < 4; ++s) {
        for (int i = 0; i < 2; ++i) {
            const I stride = i == 0 && s > 0 ? 2 : 1;
            const I before = side;
            side /= stride;
            d += conv_bn(last, in[s], 1, before) + conv_bn(in[s], in[s], 3, side, 32) + conv_bn(in[s], out[s] + dense[s], 1, side);
            if (i == 0) d += conv_bn(last, out[s] + dense[s], 1, side);
            last = out[s] + (i + 2) * dense[s];
        }
    }
    EXPECT_EQ(last, 2048 + 3 * 128);
    d += fc(last, 10);
    expect_counts("dpn26", d, 11574842, 665050880);
}

TEST(CifarZooTest, Densenet121) {
    // Growth g = 32; 3x3 conv to 2g; dense blocks of 6, 12, 24, 16 units (BN, 1x1 conv to 4g, BN,
    // 3x3 conv to g, concatenated), transitions BN + 1x1 conv halving the channels (before a 2x2
    // average pool), then BN and 1024 -> 10.
    const I g = 32;
    Count d = conv(3, 2 * g, 3, 32);
    I c = 2 * g, side = 32;
    const int units[] = {6, 12, 24, 16};
    for (int s = 0; s < 4; ++s) {
        for (int i = 0; i < units[s]; ++i, c += g) d += bn(c) + conv(c, 4 * g, 1, side) + bn(4 * g) + conv(4 * g, g, 3, side);
        if (s < 3) {
            d += bn(c) + conv(c, c / 2, 1, side);
            c /= 2;
            side /= 2;
        }
    }
    EXPECT_EQ(c, 1024);
    d += bn(c) + fc(c, 10);
    expect_counts("densenet121", d, 6956298, 888350720);
}

TEST(CifarZooTest, EfficientNetB0) {
    // conv-BN stem to 32; MBConv blocks (expansion e, kernel k): 1x1 expansion conv-BN (defined
    // even at e = 1, where it is skipped: its parameters count, its MACs do not), depthwise k x k
    // conv-BN, SE with biased 1x1 convs to in/4 and back, 1x1 projection conv-BN; 320 -> 10.
    struct Stage {
        I e, out, n, k, stride;
    };
    const Stage stages[] = {{1, 16, 1, 3, 1}, {6, 24, 2, 3, 2}, {6, 40, 2, 5, 2}, {6, 80, 3, 3, 2},
                            {6, 112, 3, 5, 1}, {6, 192, 4, 5, 2}, {6, 320, 1, 3, 1}};
    Count d = conv_bn(3, 32, 3, 32);
    I in = 32, side = 32;
    for (const auto& s : stages) {
        for (I i = 0; i < s.n; ++i) {
            const I stride = i == 0 ? s.stride : 1, before = side, c = s.e * in;
            side /= stride;
            Count expand = conv_bn(in, c, 1, before);
            if (s.e == 1) expand.macs = 0;
            d += expand + conv_bn(c, c, s.k, side, c) + conv(c, in / 4, 1, 1, 1, true) + conv(in / 4, c, 1, 1, 1, true) +
                 conv_bn(c, s.out, 1, side);
            in = s.out;
        }
    }
    d += fc(320, 10);
    expect_counts("efficientnetb0", d, 3599686, 30331392);
}

TEST(CifarZooTest, GoogLeNet) {
    // Biased 3x3 conv-BN stem to 192; inception(in, n1, n3r, n3, n5r, n5, pool): biased conv-BN
    // 1x1 n1 | 1x1 n3r, 3x3 n3 | 1x1 n5r, 3x3 n5, 3x3 n5 | max pool, 1x1 pool. a3, b3 at 32x32,
    // a4..e4 at 16x16, a5, b5 at 8x8; 1024 -> 10.
    const auto inception = [](I in, I n1, I n3r, I n3, I n5r, I n5, I pool, I side) {
        return conv_bn(in, n1, 1, side, 1, true) + conv_bn(in, n3r, 1, side, 1, true) + conv_bn(n3r, n3, 3, side, 1, true) +
               conv_bn(in, n5r, 1, side, 1, true) + conv_bn(n5r, n5, 3, side, 1, true) + conv_bn(n5, n5, 3, side, 1, true) +
               conv_bn(in, pool, 1, side, 1, true);
    };
    const Count d = conv_bn(3, 192, 3, 32, 1, true) + inception(192, 64, 96, 128, 16, 32, 32, 32) +
                    inception(256, 128, 128, 192, 32, 96, 64, 32) + inception(480, 192, 96, 208, 16, 48, 64, 16) +
                    inception(512, 160, 112, 224, 24, 64, 64, 16) + inception(512, 128, 128, 256, 24, 64, 64, 16) +
                    inception(512, 112, 144, 288, 32, 64, 64, 16) + inception(528, 256, 160, 320, 32, 128, 128, 16) +
                    inception(832, 256, 160, 320, 32, 128, 128, 8) + inception(832, 384, 192, 384, 48, 128, 128, 8) + fc(1024, 10);
    expect_counts("googlenet", d, 6166250, 1521756160);
}

TEST(CifarZooTest, MobileNet) {
    // conv-BN stem to 32; 13 blocks of depthwise 3x3 conv-BN and 1x1 conv-BN; stride 2 into
    // 128, 256, 512 and the first 1024; 1024 -> 10.
    const I widths[] = {64, -128, 128, -256, 256, -512, 512, 512, 512, 512, 512, -1024, 1024};
    Count d = conv_bn(3, 32, 3, 32);
    I in = 32, side = 32;
    for (I w : widths) {
        if (w < 0) side /= 2;
        const I out = w < 0 ? -w : w;
        d += conv_bn(in, in, 3, side, in) + conv_bn(in, out, 1, side);
        in = out;
    }
    d += fc(1024, 10);
    expect_counts("mobilenet", d, 3217226, 46354432);
}

TEST(CifarZooTest, MobileNetV2) {
    // conv-BN stem to 32 at stride 1; blocks: 1x1 expansion conv-BN (also at e = 1), depthwise
    // 3x3 conv-BN, 1x1 projection conv-BN, and at stride 1 a 1x1 conv-BN shortcut where the
    // channels change; stages (e, out, n, stride) as below; 1x1 conv-BN 320 -> 1280; 1280 -> 10.
    struct Stage {
        I e, out, n, stride;
    };
    const Stage stages[] = {{1, 16, 1, 1}, {6, 24, 2, 1}, {6, 32, 3, 2}, {6, 64, 4, 2}, {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}};
    Count d = conv_bn(3, 32, 3, 32);
    I in = 32, side = 32;
    for (const auto& s : stages) {
        for (I i = 0; i < s.n; ++i) {
            const I stride = i == 0 ? s.stride : 1, before = side, p = s.e * in;
            side /= stride;
            d += conv_bn(in, p, 1, before) + conv_bn(p, p, 3, side, p) + conv_bn(p, s.out, 1, side);
            if (stride == 1 && in != s.out) d += conv_bn(in, s.out, 1, side);
            in = s.out;
        }
    }
    d += conv_bn(320, 1280, 1, 4) + fc(1280, 10);
    expect_counts("mobilenetv2", d, 2296922, 91154944);
}

TEST(CifarZooTest, PnasnetB) {
    // conv-BN stem to 32; cell B(in, out): grouped (groups = in) 7x7, 3x3 and 5x5 conv-BN, a 1x1
    // conv-BN on the pooled branch at stride 2, a 1x1 conv-BN reducing 2 x out -> out. Six cells
    // at 32 (32x32), a stride-2 cell and six at 64 (16x16), the same at 128 (8x8); 128 -> 10.
    const auto cell = [](I in, I out, I stride, I side) {
        return conv_bn(in, out, 7, side, in) + conv_bn(in, out, 3, side, in) + conv_bn(in, out, 5, side, in) +
               (stride == 2 ? conv_bn(in, out, 1, side) : Count{}) + conv_bn(2 * out, out, 1, side);
    };
    const Count d = conv_bn(3, 32, 3, 32) + repeat(6, [&](int) { return cell(32, 32, 1, 32); }) + cell(32, 64, 2, 16) +
                    repeat(6, [&](int) { return cell(64, 64, 1, 16); }) + cell(64, 128, 2, 8) +
                    repeat(6, [&](int) { return cell(128, 128, 1, 8); }) + fc(128, 10);
    expect_counts("pnasnetb", d, 451626, 74474752);
}

TEST(CifarZooTest, RegNetX200MF) {
    // conv-BN stem to 64; block(w): 1x1 conv-BN to w (at the input's resolution), 3x3 conv-BN in
    // w/8 groups (with the stride), 1x1 conv-BN, a 1x1 conv-BN shortcut where the shape changes.
    // Depths 1, 1, 4, 7; widths 24, 56, 152, 368; strides 1, 1, 2, 2; 368 -> 10.
    const int depths[] = {1, 1, 4, 7};
    const I widths[] = {24, 56, 152, 368}, strides[] = {1, 1, 2, 2};
    Count d = conv_bn(3, 64, 3, 32);
    I in = 64, side = 32;
    for (int s = 0; s < 4; ++s) {
        for (int i = 0; i < depths[s]; ++i) {
            const I w = widths[s], stride = i == 0 ? strides[s] : 1, before = side;
            side /= stride;
            d += conv_bn(in, w, 1, before) + conv_bn(w, w, 3, side, w / 8) + conv_bn(w, w, 1, side);
            if (stride != 1 || in != w) d += conv_bn(in, w, 1, side);
            in = w;
        }
    }
    d += fc(368, 10);
    expect_counts("regnetx_200mf", d, 2321946, 223317600);
}

TEST(CifarZooTest, ResNeXt29_2x64d) {
    // 1x1 conv-BN stem to 64; three stages of three blocks, cardinality 2, bottleneck width 64
    // doubling per stage (group width gw = 128, 256, 512): 1x1 conv-BN to gw, 3x3 conv-BN in 2
    // groups (with the stride), 1x1 conv-BN to 2 gw, a 1x1 conv-BN shortcut where the shape
    // changes. Strides 1, 2, 2 (32, 16, 8 pixels); 1024 -> 10.
    Count d = conv_bn(3, 64, 1, 32);
    I in = 64, side = 32;
    for (int s = 0; s < 3; ++s) {
        const I gw = 2 * (I{64} << s);
        for (int i = 0; i < 3; ++i) {
            const I stride = i == 0 && s > 0 ? 2 : 1, before = side;
            side /= stride;
            d += conv_bn(in, gw, 1, before) + conv_bn(gw, gw, 3, side, 2) + conv_bn(gw, 2 * gw, 1, side);
            if (stride != 1 || in != 2 * gw) d += conv_bn(in, 2 * gw, 1, side);
            in = 2 * gw;
        }
    }
    d += fc(1024, 10);
    expect_counts("resnext29_2x64d", d, 9128778, 1409492992);
}

TEST(CifarZooTest, ShuffleNetV2) {
    // conv-BN stem to 24 at stride 1; per stage a down block (left: depthwise 3x3 stride-2 conv-BN
    // and 1x1 conv-BN to out/2; right: 1x1 conv-BN to out/2, depthwise 3x3 stride 2, 1x1) and
    // basic blocks on half the channels (1x1, depthwise 3x3, 1x1, each conv-BN): widths 116, 232,
    // 464 with 3, 7, 3 basic blocks on 16, 8, 4 pixels; 1x1 conv-BN 464 -> 1024; 1024 -> 10.
    const auto down = [](I in, I out, I side) {
        const I mid = out / 2;
        return conv_bn(in, in, 3, side, in) + conv_bn(in, mid, 1, side) + conv_bn(in, mid, 1, 2 * side) +
               conv_bn(mid, mid, 3, side, mid) + conv_bn(mid, mid, 1, side);
    };
    const auto basic = [](I c, I side) {
        const I h = c / 2;
        return conv_bn(h, h, 1, side) + conv_bn(h, h, 3, side, h) + conv_bn(h, h, 1, side);
    };
    const Count d = conv_bn(3, 24, 3, 32) + down(24, 116, 16) + repeat(3, [&](int) { return basic(116, 16); }) + down(116, 232, 8) +
                    repeat(7, [&](int) { return basic(232, 8); }) + down(232, 464, 4) + repeat(3, [&](int) { return basic(464, 4); }) +
                    conv_bn(464, 1024, 1, 4) + fc(1024, 10);
    expect_counts("shufflenetv2", d, 1263854, 45002112);
}

TEST(CifarZooTest, Vgg16) {
    // Biased 3x3 conv-BN-ReLU: 64, 64 | 128, 128 | 256 x 3 | 512 x 3 | 512 x 3, a 2x2 max pool after
    // each group (32, 16, 8, 4, 2 pixels during the convolutions); 512 -> 10.
    Count d;
    I in = 3, side = 32;
    for (const std::vector<I>& group : {std::vector<I>{64, 64}, {128, 128}, {256, 256, 256}, {512, 512, 512}, {512, 512, 512}}) {
        for (I w : group) {
            d += conv_bn(in, w, 3, side, 1, true);
            in = w;
        }
        side /= 2;
    }
    d += fc(512, 10);
    expect_counts("vgg16", d, 14728266, 313201664);
}

TEST(CifarZooTest, TheSixteenAreListedAndTorchvisionLayoutsKeepTheirOwnNames) {
    const auto sixteen = seed001_models();
    ASSERT_EQ(sixteen.size(), 16u);
    for (const auto& m : sixteen) EXPECT_NO_THROW(check_model_name(m)) << m;
    for (const std::string m : {"mobilenetv2-imagenet", "resnet18-imagenet", "shufflenetv2-imagenet"}) EXPECT_NO_THROW(check_model_name(m));
    if (!torch_available()) GTEST_SKIP() << "built without Torch";
    // torchvision's MobileNetV2 with 10 classes keeps its own name: 3,504,872 at 1,000 classes
    // less the 1,281,000 - 12,810 of the classifier = 2,236,682, not the CIFAR layout's 2,296,922.
    EXPECT_EQ(builtin_characteristics("mobilenetv2-imagenet", {3, 224, 224}, 10).total_params, 3504872 - 1281000 + 12810);
}

TEST(CifarZooTest, FreezeCountsTrainableParameters) {
    if (!torch_available()) GTEST_SKIP() << "built without Torch";
    // LeNet: features = the two convolutions (456 + 2,416), all-but-last leaves fc3 (84 x 10 + 10).
    const auto features = model_info("lenet", {"--freeze", "features"});
    EXPECT_EQ(features["total_params"], 62006);
    EXPECT_EQ(features["trainable_params"], 62006 - 456 - 2416);
    EXPECT_EQ(model_info("lenet", {"--freeze", "all-but-last"})["trainable_params"], 850);
    // Seed 003's transfer learning: only a 1280-wide last layer trains for 5 classes, 1280 x 5 + 5
    // = 6,405 parameters (seed 003's figure); the total is the CIFAR MobileNetV2's with that head.
    const auto transfer = model_info("mobilenetv2", {"--freeze", "all-but-last", "--classes", "5"});
    EXPECT_EQ(transfer["trainable_params"], 6405);
    EXPECT_EQ(transfer["total_params"], 2296922 - 12810 + 6405);
    // In every CIFAR model of the zoo, `features` is all but the classifier.
    EXPECT_EQ(model_info("resnext29_2x64d", {"--freeze", "features"})["trainable_params"], 1024 * 10 + 10);

    const auto bad = test::run_powerml({"model-info", "--model", "lenet", "--freeze", "layer9"});
    EXPECT_EQ(bad.exit_code, 1);
    EXPECT_NE(bad.err.find("no module 'layer9'"), std::string::npos) << bad.err;
    EXPECT_NE(bad.err.find("features, classifier"), std::string::npos) << bad.err;
    const auto all = test::run_powerml({"model-info", "--model", "lenet", "--freeze", "features,classifier"});
    EXPECT_EQ(all.exit_code, 1);
    EXPECT_NE(all.err.find("nothing to train"), std::string::npos) << all.err;
}
