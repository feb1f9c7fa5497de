#include <gtest/gtest.h>

#include <map>

#include "powerml/core/error.hpp"
#include "powerml/experiment/experiment_spec.hpp"

using namespace powerml;
using namespace powerml::experiment;

namespace {

const char* k_good = R"(
[experiment]
name = "demo"
repetitions = 4
cooldown_s = 0.5
seed = 7

[[scenario]]
name = "bare"
kind = "baseline"
duration_s = 2

[[scenario]]
name = "idle"
kind = "idle"
command = "sleep 1"

[[scenario]]
name = "train"
command = ["python3", "train.py", "--epochs", "3"]
repetitions = 2
)";

std::string error_of(const std::string& text) {
    try {
        parse_experiment(text, "exp.toml");
    } catch (const Error& e) {
        return e.what();
    }
    return "no error";
}

}  // namespace

TEST(ExperimentSpecTest, ParsesScenariosAndDefaults) {
    const auto spec = parse_experiment(k_good, "exp.toml");
    EXPECT_EQ(spec.name, "demo");
    EXPECT_EQ(spec.repetitions, 4);
    EXPECT_DOUBLE_EQ(spec.cooldown_s, 0.5);
    EXPECT_TRUE(spec.randomize);
    ASSERT_EQ(spec.scenarios.size(), 3u);
    EXPECT_EQ(spec.scenarios[0].command, (std::vector<std::string>{"sleep", "2"}));
    EXPECT_EQ(spec.scenarios[1].command, (std::vector<std::string>{"sh", "-c", "sleep 1"}));
    EXPECT_EQ(spec.scenarios[2].repetitions, 2);
    EXPECT_EQ(spec.baseline_scenario()->name, "bare");
}

TEST(ExperimentSpecTest, PlanIsCompleteAndSeeded) {
    const auto spec = parse_experiment(k_good, "exp.toml");
    const auto plan = plan_runs(spec);
    ASSERT_EQ(plan.size(), 10u);
    std::map<std::string, int> count;
    for (const auto& p : plan) ++count[p.scenario];
    EXPECT_EQ(count["bare"], 4);
    EXPECT_EQ(count["train"], 2);
    // Same seed, same order; another seed, (almost surely) another order.
    const auto again = plan_runs(spec);
    for (std::size_t i = 0; i < plan.size(); ++i) EXPECT_EQ(plan[i].scenario + std::to_string(plan[i].repetition),
                                                            again[i].scenario + std::to_string(again[i].repetition));
    auto other = spec;
    other.seed = 8;
    const auto shuffled = plan_runs(other);
    bool differs = false;
    for (std::size_t i = 0; i < plan.size(); ++i) differs = differs || plan[i].scenario != shuffled[i].scenario;
    EXPECT_TRUE(differs);
    auto ordered = spec;
    ordered.randomize = false;
    EXPECT_EQ(plan_runs(ordered).front().scenario, "bare");
    EXPECT_EQ(plan_runs(ordered).back().scenario, "train");
}

TEST(ExperimentSpecTest, BadInputNamesTheField) {
    EXPECT_NE(error_of("[experiment]\nname = \"x\"\n").find("[[scenario]]"), std::string::npos);
    EXPECT_NE(error_of("[[scenario]]\nname = \"a\"\ncommand = \"true\"\n").find("[experiment]"), std::string::npos);
    EXPECT_NE(error_of("[experiment]\nname = \"x\"\nrepetitions = 0\n[[scenario]]\nname = \"a\"\ncommand = \"true\"\n")
                  .find("experiment.repetitions"),
              std::string::npos);
    EXPECT_NE(error_of("[experiment]\nname = \"x\"\n[[scenario]]\nname = \"a\"\n").find("scenario[1].command"), std::string::npos);
    EXPECT_NE(error_of("[experiment]\nname = \"x\"\n[[scenario]]\nname = \"a\"\ncommand = \"true\"\n[[scenario]]\nname = \"a\"\n"
                       "command = \"true\"\n")
                  .find("used twice"),
              std::string::npos);
    EXPECT_NE(error_of("[experiment]\nname = \"x\"\n[[scenario]]\nname = \"b\"\nkind = \"baseline\"\n").find("scenario[1].duration_s"),
              std::string::npos);
    EXPECT_NE(error_of("[experiment]\nname = \"x\"\n[[scenario]]\nname = \"b\"\nkind = \"sleepy\"\ncommand = \"true\"\n")
                  .find("scenario[1].kind"),
              std::string::npos);
    EXPECT_NE(error_of("[experiment\n").find("exp.toml:"), std::string::npos);
}

// A command that runs nothing would "finish" with nothing measured.
TEST(ExperimentSpecTest, EmptyCommandsAreRefused) {
    const std::string head = "[experiment]\nname = \"x\"\n[[scenario]]\nname = \"a\"\n";
    for (const char* command : {"command = \"\"", "command = \"   \"", "command = []", "command = [\"\"]", "command = [\"\", \"x\"]",
                                "command = \"a\\u0000b\"", "command = [\"sh\", \"a\\u0000b\"]"}) {
        const std::string e = error_of(head + command + "\n");
        EXPECT_NE(e.find("scenario[1].command"), std::string::npos) << command << ": " << e;
    }
    EXPECT_EQ(error_of(head + "command = [\"true\"]\n"), "no error");
}

TEST(ExperimentSpecTest, SizesAreBounded) {
    std::string many = "[experiment]\nname = \"x\"\n";
    for (int i = 0; i < 1001; ++i) many += "[[scenario]]\nname = \"s" + std::to_string(i) + "\"\ncommand = \"true\"\n";
    EXPECT_NE(error_of(many).find("at most 1000 scenarios"), std::string::npos);
    std::string runs = "[experiment]\nname = \"x\"\nrepetitions = 10000\n";
    for (int i = 0; i < 11; ++i) runs += "[[scenario]]\nname = \"s" + std::to_string(i) + "\"\ncommand = \"true\"\n";
    EXPECT_NE(error_of(runs).find("more than 100000 runs"), std::string::npos);
    EXPECT_NE(error_of("[experiment]\nname = \"x\"\nseed = 1.5\n[[scenario]]\nname = \"a\"\ncommand = \"true\"\n").find("experiment.seed"),
              std::string::npos);
    // A file that is not a regular file (it would be read forever) or is too large.
    try {
        load_experiment_file("/dev/zero");
        ADD_FAILURE();
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("not a regular file"), std::string::npos) << e.what();
    }
}
