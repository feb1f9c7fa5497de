// `measure --repeat N` (the one-scenario experiment), the live prediction during `measure`,
// and `predict` on stored runs.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/run_process.hpp"
#include "support/temp_dir.hpp"

using namespace powerml;
using nlohmann::json;

namespace {

std::map<std::string, std::string> isolated_env(const test::TempDir& dir) {
    return {{"XDG_DATA_HOME", (dir.path() / "xdg").string()}};
}

std::string epochs_script(int epochs, const char* sleep_s) {
    const std::string p = POWERML_BINARY;
    return p + " metric epochs_total " + std::to_string(epochs) + "; for e in $(seq 1 " + std::to_string(epochs) + "); do " + p +
           " mark epoch-$e; sleep " + sleep_s + "; " + p + " metric accuracy 0.8; " + p + " mark --end epoch-$e; done";
}

}  // namespace

TEST(MeasureRepeatTest, RepeatMeasuresNTimesAndSummarises) {
    test::TempDir dir;
    const auto out = dir.path() / "out";
    const auto r = test::run_powerml({"measure", "--interval", "20", "--repeat", "3", "--out", out.string(), "--", "sleep", "0.05"},
                                     isolated_env(dir));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    for (int i = 1; i <= 3; ++i) {
        EXPECT_NE(r.err.find("repetition " + std::to_string(i) + "/3"), std::string::npos) << r.err;
        EXPECT_EQ(json::parse(test::read_file(out / ("rep-" + std::to_string(i)) / "summary.json"))["exit_status"], 0);
    }
    EXPECT_NE(r.err.find("over 3 successful repetition(s) of 3"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("95 % CI"), std::string::npos);
    EXPECT_NE(r.err.find("Shapiro-Wilk W"), std::string::npos);
    const auto list = test::run_powerml({"runs", "list", "--format", "json"}, isolated_env(dir));
    EXPECT_EQ(json::parse(list.out).size(), 3u);
    // A failing repetition gives its status, the others still run.
    const auto fail = test::run_powerml({"measure", "--no-db", "-q", "--repeat", "2", "--", "sh", "-c", "exit 4"}, isolated_env(dir));
    EXPECT_EQ(fail.exit_code, 4);
    const auto bad = test::run_powerml({"measure", "--repeat", "0", "--", "true"}, isolated_env(dir));
    EXPECT_EQ(bad.exit_code, 2);
    EXPECT_NE(bad.err.find("--repeat"), std::string::npos) << bad.err;
}

TEST(MeasureRepeatTest, LivePredictionAndPredictCommand) {
    test::TempDir dir;
    // Epochs of 0.8 s: each also pays three `powerml` starts (mark, metric, mark --end), whose
    // time swings with the machine's load; at 0.4 s that swing alone could pass the 15 % below.
    const auto r = test::run_powerml({"measure", "--interval", "20", "--", "sh", "-c", epochs_script(5, "0.8")}, isolated_env(dir));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find("of 5 epochs done: whole run predicted at"), std::string::npos) << r.err;
    const auto list = json::parse(test::run_powerml({"runs", "list", "--format", "json"}, isolated_env(dir)).out);
    ASSERT_EQ(list.size(), 1u);
    const std::string id = list[0]["id"];
    const auto p = test::run_powerml({"predict", id, "--after", "3", "--format", "json"}, isolated_env(dir));
    ASSERT_EQ(p.exit_code, 0) << p.err;
    const auto j = json::parse(p.out);
    EXPECT_EQ(j["epochs_done"], 3);
    EXPECT_EQ(j["epochs_total"], 5);  // from `metric epochs_total 5`
    ASSERT_TRUE(j.contains("actual"));
    // Sleep-bound epochs of equal length: duration predicted within 15 %.
    EXPECT_LT(std::abs(j["actual"]["duration_error_pct"].get<double>()), 15.0) << j.dump(2);
    EXPECT_EQ(j["backtest"].size(), 3u);  // k = 2, 3, 4
    const auto text = test::run_powerml({"predict", id}, isolated_env(dir));
    EXPECT_NE(text.out.find("after 5 of 5 epochs"), std::string::npos) << text.out;
    const auto none = test::run_powerml({"measure", "-q", "--", "true"}, isolated_env(dir));
    const auto list2 = json::parse(test::run_powerml({"runs", "list", "--format", "json"}, isolated_env(dir)).out);
    const auto no_epochs = test::run_powerml({"predict", list2[0]["id"].get<std::string>()}, isolated_env(dir));
    EXPECT_EQ(no_epochs.exit_code, 1);
    EXPECT_NE(no_epochs.err.find("no finished epoch phase"), std::string::npos) << no_epochs.err;
}
