// Seed 001's study end to end on this machine, at smoke-test size: a quick profile of all
// sixteen CIFAR-10 models (synthetic data, 8 samples a step), its report with the seed's
// figures, and seed 003's transfer-learning scenario (--freeze) in `workload train` and `profile`.
#include <gtest/gtest.h>

#include <chrono>
#include <regex>
#include <set>

#include <nlohmann/json.hpp>

#include "powerml/workloads/model_zoo.hpp"
#include "support/run_process.hpp"
#include "support/temp_dir.hpp"

using namespace powerml;
using namespace powerml::workloads;
using nlohmann::json;

namespace {

std::map<std::string, std::string> isolated_env(const test::TempDir& dir) {
    return {{"XDG_DATA_HOME", (dir.path() / "xdg").string()}};
}

}  // namespace

TEST(SeedStudyTest, QuickProfileOfAllSixteenAndItsReport) {
    if (!torch_available()) GTEST_SKIP() << "built without Torch";
    test::TempDir dir;
    const auto profile_path = (dir.path() / "profile.json").string();
    const auto start = std::chrono::steady_clock::now();
    const auto r = test::run_powerml({"profile", "--quick", "--models", "seed001", "--train-samples", "8", "--infer-samples", "8",
                                      "--baseline", "0.3", "--no-db", "-q", "--json", profile_path},
                                     isolated_env(dir));
    const double wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::cout << "[ quick profile of the sixteen: " << wall_s << " s wall ]\n";
    const json profile = json::parse(test::read_file(profile_path));
    ASSERT_EQ(profile["models"].size(), 16u);
    std::set<std::string> seen;
    for (const auto& m : profile["models"]) {
        seen.insert(m["model"].get<std::string>());
        EXPECT_EQ(m["batch_size"], 8) << m["model"];  // --quick's batch size
        EXPECT_GT(m["train"]["time_s"]["mean"].get<double>(), 0) << m["model"];
        EXPECT_GT(m["infer"]["time_s"]["mean"].get<double>(), 0) << m["model"];
        const auto& c = m["characteristics"];
        EXPECT_EQ(c["input"], "3x32x32");
        EXPECT_EQ(c["trainable_params"], c["total_params"]) << m["model"];  // nothing frozen
    }
    const auto sixteen = seed001_models();
    EXPECT_EQ(seen, std::set<std::string>(sixteen.begin(), sixteen.end()));
    for (const auto& s : profile["steps"]) {
        EXPECT_EQ(s["train"]["samples"], 8) << s["model"];
        EXPECT_EQ(s["infer"]["samples"], 8) << s["model"];
    }
    EXPECT_EQ(profile["plan"]["dataset"], "synthetic");
    ASSERT_EQ(profile["correlations"].size(), 6u);  // 1 batch size x 2 phases x 3 features
    for (const auto& c : profile["correlations"]) EXPECT_EQ(c["n"], 16);
    EXPECT_FALSE(profile["sensors"].empty());

    const auto html_path = dir.path() / "report.html";
    const auto tables_dir = dir.path() / "tables";
    const auto rep = test::run_powerml({"report", "--profile", profile_path, "--out", html_path.string(), "--tables", tables_dir.string()},
                                       isolated_env(dir));
    ASSERT_EQ(rep.exit_code, 0) << rep.err;
    const std::string html = test::read_file(html_path);
    // Two scatters (MACs per parameter, MACs), two batch-size curves, time and power bars.
    const std::regex chart("<svg class=\"chart\" data-kind=\"[a-z]+\" data-points=\"([0-9]+)\"");
    int charts = 0;
    for (auto it = std::sregex_iterator(html.begin(), html.end(), chart); it != std::sregex_iterator(); ++it) {
        ++charts;
        EXPECT_GT(std::stoi((*it)[1].str()), 0) << "an empty chart";
    }
    EXPECT_EQ(charts, 6);
    for (const std::string model : {"simpledla", "resnext29_2x64d", "pnasnetb"}) EXPECT_NE(html.find(model), std::string::npos) << model;
    const std::string models_csv = test::read_file(tables_dir / "profile-models.csv");
    EXPECT_EQ(std::count(models_csv.begin(), models_csv.end(), '\n'), 17) << models_csv;  // header + 16

    const auto bad = test::run_powerml({"report", "--profile", html_path.string(), "--out", (dir.path() / "x.html").string()},
                                       isolated_env(dir));
    EXPECT_EQ(bad.exit_code, 1);
    EXPECT_NE(bad.err.find("--profile"), std::string::npos) << bad.err;
}

TEST(SeedStudyTest, FreezeTrainsOnlyTheLastLayer) {
    if (!torch_available()) GTEST_SKIP() << "built without Torch";
    test::TempDir dir;
    // Seed 003's transfer learning: only the classifier trains. CIFAR MobileNetV2's is 1280 x 10 + 10.
    const auto train = test::run_powerml({"workload", "train", "--model", "mobilenetv2", "--freeze", "all-but-last", "--samples", "8",
                                          "--batch-size", "8", "--threads", "2"},
                                         isolated_env(dir));
    ASSERT_EQ(train.exit_code, 0) << train.err;
    EXPECT_NE(train.err.find("trainable parameters: 12810 of 2296922 (--freeze all-but-last)"), std::string::npos) << train.err;

    const auto profile_path = (dir.path() / "frozen.json").string();
    const auto r = test::run_powerml({"profile", "--quick", "--models", "lenet,pnasnetb", "--freeze", "features", "--train-samples", "8",
                                      "--infer-samples", "8", "--baseline", "0.2", "--no-db", "-q", "--json", profile_path},
                                     isolated_env(dir));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("training with --freeze features"), std::string::npos) << r.out;
    const json profile = json::parse(test::read_file(profile_path));
    EXPECT_EQ(profile["plan"]["freeze"], "features");
    for (const auto& m : profile["models"]) {
        const auto& c = m["characteristics"];
        // LeNet's features are its two convolutions (456 + 2,416); PNASNet-B's classifier is 128 x 10 + 10.
        if (m["model"] == "lenet") EXPECT_EQ(c["trainable_params"], 62006 - 456 - 2416);
        if (m["model"] == "pnasnetb") EXPECT_EQ(c["trainable_params"], 1290);
        EXPECT_LT(c["trainable_params"].get<std::int64_t>(), c["total_params"].get<std::int64_t>());
    }

    const auto bad = test::run_powerml({"workload", "train", "--model", "lenet", "--freeze", "conv9", "--samples", "8"}, isolated_env(dir));
    EXPECT_EQ(bad.exit_code, 1);
    EXPECT_NE(bad.err.find("--freeze conv9: model lenet has no module 'conv9'"), std::string::npos) << bad.err;
}
