// `powerml demo`, the quick start's main job: real CNN training, measured, with a prediction.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "powerml/workloads/model_zoo.hpp"
#include "support/run_process.hpp"
#include "support/temp_dir.hpp"

using namespace powerml;

TEST(DemoCommandTest, TrainsLeNetMeasuresItAndPredictsTheFullTraining) {
    test::TempDir dir;
    const auto out = dir.path() / "demo";
    const auto r = test::run_powerml({"demo", "--no-db", "--baseline", "0.5", "--time-limit", "10", "--out", out.string()},
                                     {{"XDG_DATA_HOME", (dir.path() / "xdg").string()}});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto summary = nlohmann::json::parse(test::read_file(out / "summary.json"));
    if (!workloads::torch_available()) {
        EXPECT_NE(r.err.find("built without Torch"), std::string::npos) << r.err;
        EXPECT_NE(r.err.find("Falling back"), std::string::npos) << r.err;
        return;
    }
    EXPECT_NE(r.err.find("LeNet-5 trained on fashion-mnist"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("Prediction for the full training (20 epochs x 60000 images)"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("hen and where"), std::string::npos) << r.err;
    bool saw_eval = false;
    for (const auto& p : summary["phases"])
        if (p["name"] == "eval-1") saw_eval = p["metrics"].contains("eval_accuracy");
    EXPECT_TRUE(saw_eval);
    EXPECT_EQ(summary["carbon"]["zone"], "CY");
}
