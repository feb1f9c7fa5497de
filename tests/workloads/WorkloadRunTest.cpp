// Real training on Fashion-MNIST learns and reports its phases; a profile of three small
// models at two batch sizes runs end to end on synthetic data, and estimate reads it.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "powerml/core/error.hpp"
#include "powerml/workloads/model_zoo.hpp"
#include "powerml/workloads/workload_runner.hpp"
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

TEST(WorkloadRunTest, WithoutTorchTheCommandsRefuse) {
    if (torch_available()) GTEST_SKIP() << "built with Torch";
    test::TempDir dir;
    for (const std::vector<std::string>& args : {std::vector<std::string>{"workload", "train", "--model", "lenet"},
                                                 std::vector<std::string>{"profile", "--no-db"}}) {
        const auto r = test::run_powerml(args, isolated_env(dir));
        EXPECT_EQ(r.exit_code, 1);
        EXPECT_NE(r.err.find("built without Torch; reconfigure with -DPOWERML_WITH_TORCH=ON"), std::string::npos) << r.err;
    }
}

TEST(WorkloadRunTest, LeNetLearnsFashionMnistAndReportsPhases) {
    if (!torch_available()) GTEST_SKIP() << "built without Torch";
    WorkloadSpec spec;
    spec.model = "lenet";
    spec.dataset = "fashion-mnist";
    spec.batch_size = 32;
    spec.epochs = 3;
    spec.samples = 600;
    spec.eval_samples = 500;
    spec.threads = 2;
    std::vector<std::string> lines;
    WorkloadCallbacks callbacks;
    callbacks.control = [&](const std::string& line) { lines.push_back(line); };
    const WorkloadResult result = run_workload(spec, callbacks);
    ASSERT_EQ(result.epochs.size(), 3u);
    EXPECT_EQ(result.input, (ImageShape{1, 28, 28}));
    EXPECT_EQ(result.epochs[0].samples, 600);
    // Ten classes: chance is 10 %. A few hundred images already lift held-out accuracy well above it.
    ASSERT_TRUE(result.epochs.back().eval_accuracy.has_value());
    EXPECT_GT(*result.epochs.back().eval_accuracy, 0.3);
    EXPECT_LT(result.epochs.back().loss, result.epochs.front().loss);
    ASSERT_GE(lines.size(), 4u);
    EXPECT_EQ(lines.front(), "begin train");
    EXPECT_EQ(lines[1], "begin epoch-1");
    EXPECT_EQ(lines.back(), "end train");
    for (const char* wanted : {"end epoch-1", "begin eval-1", "end eval-3", "metric samples 600"})
        EXPECT_NE(std::find(lines.begin(), lines.end(), wanted), lines.end()) << wanted;
    EXPECT_TRUE(std::any_of(lines.begin(), lines.end(), [](const std::string& l) { return l.starts_with("metric eval_accuracy "); }));
}

TEST(WorkloadRunTest, MeasuredWorkloadShowsItsPhasesAndMetrics) {
    if (!torch_available()) GTEST_SKIP() << "built without Torch";
    test::TempDir dir;
    const auto r = test::run_powerml({"measure", "-q", "--no-db", "--out", (dir.path() / "out").string(), "--", POWERML_BINARY,
                                      "workload", "train", "--model", "lenet", "--dataset", "fashion-mnist", "--samples", "256",
                                      "--epochs", "2", "--eval-samples", "128", "-q"},
                                     isolated_env(dir));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const json summary = json::parse(test::read_file(dir.path() / "out" / "summary.json"));
    std::map<std::string, json> phases;
    for (const auto& p : summary["phases"]) phases[p["name"].get<std::string>()] = p;
    for (const char* name : {"train", "epoch-1", "epoch-2", "eval-1", "eval-2"}) ASSERT_TRUE(phases.contains(name)) << name;
    EXPECT_DOUBLE_EQ(phases["epoch-2"]["metrics"]["samples"].get<double>(), 256.0);
    EXPECT_TRUE(phases["eval-2"]["metrics"].contains("eval_accuracy"));
    EXPECT_LE(phases["train"]["start_s"].get<double>(), phases["epoch-1"]["start_s"].get<double>());

    const auto infer = test::run_powerml({"measure", "-q", "--no-db", "--out", (dir.path() / "inf").string(), "--", POWERML_BINARY,
                                          "workload", "infer", "--model", "mlp", "--dataset", "digits", "--samples", "1000", "-q"},
                                         isolated_env(dir));
    ASSERT_EQ(infer.exit_code, 0) << infer.err;
    EXPECT_NE(test::read_file(dir.path() / "inf" / "summary.json").find("\"infer\""), std::string::npos);
}

TEST(WorkloadRunTest, BadOptionsAreNamed) {
    if (!torch_available()) GTEST_SKIP() << "built without Torch";
    test::TempDir dir;
    const auto unknown = test::run_powerml({"workload", "train", "--model", "alexnet"}, isolated_env(dir));
    EXPECT_EQ(unknown.exit_code, 1);
    EXPECT_NE(unknown.err.find("unknown model 'alexnet'"), std::string::npos) << unknown.err;
    const auto small = test::run_powerml({"workload", "train", "--model", "lenet", "--dataset", "digits"}, isolated_env(dir));
    EXPECT_EQ(small.exit_code, 1);
    EXPECT_NE(small.err.find("--image-size"), std::string::npos) << small.err;
    const auto missing = test::run_powerml(
        {"workload", "train", "--dataset", "fashion-mnist", "--data-dir", dir.path().string()}, isolated_env(dir));
    EXPECT_NE(missing.err.find("dataset-fashion-mnist"), std::string::npos) << missing.err;
    const auto batch = test::run_powerml({"workload", "infer", "--batch-size", "0"}, isolated_env(dir));
    EXPECT_NE(batch.err.find("--batch-size"), std::string::npos) << batch.err;
}

TEST(WorkloadRunTest, ProfileOfThreeModelsAtTwoBatchSizesThenEstimate) {
    if (!torch_available()) GTEST_SKIP() << "built without Torch";
    test::TempDir dir;
    const auto profile_path = (dir.path() / "profile.json").string();
    const auto r = test::run_powerml({"profile", "--models", "mlp,lenet,shufflenetv2", "--batch-sizes", "16,64", "--train-samples",
                                      "128", "--infer-samples", "128", "--baseline", "0.5", "--no-db", "-q", "--json", profile_path},
                                     isolated_env(dir));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("Correlation of energy per sample"), std::string::npos) << r.out;
    const json profile = json::parse(test::read_file(profile_path));
    EXPECT_EQ(profile["schema"], "powerml.profile/1");
    ASSERT_EQ(profile["models"].size(), 6u);
    ASSERT_EQ(profile["steps"].size(), 6u);
    for (const auto& m : profile["models"]) {
        EXPECT_GT(m["train"]["time_s"]["mean"].get<double>(), 0) << m["model"];
        EXPECT_GT(m["infer"]["time_s"]["mean"].get<double>(), 0) << m["model"];
        // Backward pass and update cost extra; only asserted where phases last long enough (seconds,
        // not milliseconds) for scheduling noise on a shared machine not to swamp it.
        if (m["model"] == "shufflenetv2") EXPECT_GT(m["train_infer_time_ratio"].get<double>(), 1.0);
        EXPECT_GT(m["characteristics"]["macs"].get<double>(), 0);
    }
    for (const auto& s : profile["steps"]) EXPECT_EQ(s["train"]["samples"], 128);
    ASSERT_EQ(profile["correlations"].size(), 12u);  // 2 batch sizes x 2 phases x 3 features
    EXPECT_EQ(profile["correlations"][0]["n"], 3);

    const auto estimate = test::run_powerml(
        {"estimate", "--profile", profile_path, "--model", "lenet", "--batch-size", "64", "--epochs", "10", "--samples", "60000",
         "--format", "json"},
        isolated_env(dir));
    ASSERT_EQ(estimate.exit_code, 0) << estimate.err;
    const json e = json::parse(estimate.out);
    EXPECT_EQ(e["method"], "extrapolation");
    double per_sample_time = 0;
    for (const auto& s : profile["steps"])
        if (s["model"] == "lenet" && s["batch_size"] == 64) per_sample_time = s["train"]["duration_s"].get<double>() / 128.0;
    EXPECT_NEAR(e["duration_s"]["value"].get<double>(), per_sample_time * 600000, 1e-6 * per_sample_time * 600000);

    const auto wrong = test::run_powerml({"estimate", "--profile", profile_path, "--model", "lenet", "--batch-size", "32"},
                                         isolated_env(dir));
    EXPECT_EQ(wrong.exit_code, 1);
    EXPECT_NE(wrong.err.find("at least 4 profiled models"), std::string::npos) << wrong.err;
}
