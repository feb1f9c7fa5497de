// Real experiments of short real commands through the built `powerml`.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <map>
#include <thread>

#include <nlohmann/json.hpp>

#include "support/run_process.hpp"
#include "support/temp_dir.hpp"

using namespace powerml;
using nlohmann::json;

namespace {

std::map<std::string, std::string> isolated_env(const test::TempDir& dir) {
    return {{"XDG_DATA_HOME", (dir.path() / "xdg").string()}};
}

// A workload with three epochs that reports accuracy and samples, and fails on the third time
// it runs (a counter file next to the database), whatever the order.
std::string train_command(const test::TempDir& dir) {
    const std::string p = POWERML_BINARY;
    const std::string counter = (dir.path() / "count").string();
    return p + " metric epochs_total 3; for e in 1 2 3; do " + p + " mark epoch-$e; i=0; while [ $i -lt 3000 ]; do i=$((i+1)); done; " +
           p + " metric accuracy 0.$((e+6)); " + p + " metric samples 1000; " + p + " mark --end epoch-$e; done; " +
           "n=$(cat " + counter + " 2>/dev/null || echo 0); n=$((n+1)); echo $n > " + counter + "; [ $n -ne 3 ]";
}

std::string three_scenarios(const test::TempDir& dir) {
    return "[experiment]\nname = \"three\"\nrepetitions = 5\ncooldown_s = 0.02\ninterval_ms = 20\nseed = 3\n\n"
           "[[scenario]]\nname = \"bare\"\nkind = \"baseline\"\nduration_s = 0.15\n\n"
           "[[scenario]]\nname = \"idle\"\nkind = \"idle\"\ncommand = \"sleep 0.15\"\n\n"
           "[[scenario]]\nname = \"train\"\ncommand = " +
           json(train_command(dir)).dump() + "\n";
}

json status(const test::TempDir& dir, const std::string& db, const std::string& name) {
    const auto r = test::run_powerml({"experiment", "--db", db, "status", name, "--format", "json"}, isolated_env(dir));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return json::parse(r.out);
}

std::map<std::string, std::string> finished_ids(const json& s) {
    std::map<std::string, std::string> out;
    for (const auto& r : s["runs"])
        if (r["status"] == "finished") out[r["scenario"].get<std::string>() + "#" + std::to_string(r["repetition"].get<int>())] = r["run_id"];
    return out;
}

}  // namespace

TEST(ExperimentCliTest, ThreeScenariosFiveRepetitionsWithOneFailure) {
    test::TempDir dir;
    const auto file = dir.write("exp.toml", three_scenarios(dir));
    const std::string db = (dir.path() / "runs.sqlite").string();
    const auto r = test::run_powerml({"experiment", "--db", db, "run", file.string()}, isolated_env(dir));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find("recorded as failed, the experiment goes on"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("\r"), std::string::npos) << "no progress bar when stderr is not a terminal";
    const auto s = status(dir, db, "three");
    EXPECT_EQ(s["total"], 15);
    EXPECT_EQ(s["finished"], 14);
    EXPECT_EQ(s["failed"], 1);
    std::map<std::string, int> per;
    for (const auto& run : s["runs"]) {
        ++per[run["scenario"]];
        EXPECT_FALSE(run["run_id"].is_null()) << "every repetition was measured and stored, failed ones too";
        if (run["status"] == "failed") {
            EXPECT_EQ(run["scenario"], "train");
            EXPECT_EQ(run["exit_status"], 1);
        }
    }
    EXPECT_EQ(per["bare"], 5);
    EXPECT_EQ(per["idle"], 5);
    EXPECT_EQ(per["train"], 5);

    const auto show = test::run_powerml({"experiment", "--db", db, "show", "three", "--format", "json", "--tables",
                                         (dir.path() / "tables").string()},
                                        isolated_env(dir));
    ASSERT_EQ(show.exit_code, 0) << show.err;
    const auto j = json::parse(show.out);
    std::map<std::string, json> tables;
    for (const auto& t : j["tables"]) tables[t["id"]] = t;
    ASSERT_TRUE(tables.count("experiment-three-statistics"));
    int seen = 0;
    for (const auto& row : tables["experiment-three-statistics"]["rows"]) {
        if (row["phase"] != "" || row["indicator"] != "adjusted_energy_j") continue;
        ++seen;
        if (row["scenario"] == "bare") {
            // Adjusted = gross - (sum gross / sum duration) x duration: over the baseline's own
            // runs it sums to zero exactly.
            EXPECT_NEAR(row["mean"].get<double>(), 0.0, 1e-9);
            EXPECT_EQ(row["n"], 5);
        }
        if (row["scenario"] == "train") {
            EXPECT_EQ(row["n"], 4);
        }
    }
    EXPECT_EQ(seen, 3);
    // Per-phase statistics for the epochs, and efficiency factors from the reported metrics.
    bool epoch_energy = false, efficiency = false;
    for (const auto& row : tables["experiment-three-statistics"]["rows"]) {
        epoch_energy = epoch_energy || (row["phase"] == "epoch-2" && row["indicator"] == "gross_energy_j" && row["n"] == 4);
        efficiency = efficiency || (row["phase"] == "epoch-3" && row["indicator"] == "efficiency:accuracy_per_wh");
    }
    EXPECT_TRUE(epoch_energy);
    EXPECT_TRUE(efficiency);
    EXPECT_FALSE(test::read_file(dir.path() / "tables" / "experiment-three-scenarios.csv").empty());
    // Any two indicators, across repetitions and within a phase.
    const auto corr = test::run_powerml({"experiment", "--db", db, "show", "three", "--correlate", "duration_s:gross_energy_j"},
                                        isolated_env(dir));
    ASSERT_EQ(corr.exit_code, 0) << corr.err;
    for (const char* scenario : {"bare", "idle", "train"}) EXPECT_NE(corr.out.find(scenario), std::string::npos) << corr.out;
    EXPECT_NE(corr.out.find("Pearson r"), std::string::npos) << corr.out;
    const auto in_phase = test::run_powerml({"experiment", "--db", db, "show", "three", "--phase", "epoch-2", "--correlate",
                                             "duration_s:gross_energy_j"},
                                            isolated_env(dir));
    ASSERT_EQ(in_phase.exit_code, 0) << in_phase.err;
    EXPECT_NE(in_phase.out.find("train"), std::string::npos);
    EXPECT_EQ(in_phase.out.find("bare "), std::string::npos) << "bare has no epoch-2";
    const auto unknown = test::run_powerml({"experiment", "--db", db, "show", "three", "--correlate", "nope:gross_energy_j"},
                                           isolated_env(dir));
    EXPECT_EQ(unknown.exit_code, 1);
    EXPECT_NE(unknown.err.find("no scenario has both 'nope'"), std::string::npos) << unknown.err;
    EXPECT_EQ(json::parse(test::read_file(dir.path() / "tables" / "experiment-three-runs.json"))["rows"].size(), 15u);
}

TEST(ExperimentCliTest, ResumesWithoutRedoingFinishedRepetitions) {
    test::TempDir dir;
    const auto file = dir.write("exp.toml", "[experiment]\nname = \"resume\"\nrepetitions = 3\ninterval_ms = 20\n"
                                            "[[scenario]]\nname = \"a\"\ncommand = \"sleep 0.05\"\n"
                                            "[[scenario]]\nname = \"b\"\ncommand = [\"true\"]\n");
    const std::string db = (dir.path() / "runs.sqlite").string();
    const auto first = test::run_powerml({"experiment", "--db", db, "run", file.string(), "--max-runs", "2"}, isolated_env(dir));
    EXPECT_EQ(first.exit_code, 75) << first.err;
    EXPECT_NE(first.err.find("again to resume"), std::string::npos) << first.err;
    const auto before = finished_ids(status(dir, db, "resume"));
    ASSERT_EQ(before.size(), 2u);
    const auto second = test::run_powerml({"experiment", "--db", db, "run", file.string()}, isolated_env(dir));
    ASSERT_EQ(second.exit_code, 0) << second.err;
    EXPECT_NE(second.err.find("resumed"), std::string::npos);
    EXPECT_NE(second.err.find("measured 4 run(s) now"), std::string::npos) << second.err;
    const auto after = finished_ids(status(dir, db, "resume"));
    EXPECT_EQ(after.size(), 6u);
    for (const auto& [key, id] : before) EXPECT_EQ(after.at(key), id) << key << " was measured again";
    // Running a finished experiment again measures nothing.
    const auto third = test::run_powerml({"experiment", "--db", db, "run", file.string()}, isolated_env(dir));
    EXPECT_EQ(third.exit_code, 0);
    EXPECT_NE(third.err.find("measured 0 run(s) now"), std::string::npos) << third.err;
    // The same name with another design is refused rather than mixed.
    const auto other = dir.write("other.toml", "[experiment]\nname = \"resume\"\nrepetitions = 9\n"
                                               "[[scenario]]\nname = \"a\"\ncommand = \"true\"\n");
    const auto refused = test::run_powerml({"experiment", "--db", db, "run", other.string()}, isolated_env(dir));
    EXPECT_EQ(refused.exit_code, 1);
    EXPECT_NE(refused.err.find("--restart"), std::string::npos) << refused.err;
}

// powerml itself is killed (SIGKILL) in the middle of a repetition: on the next run the
// finished repetitions are kept and the cut-off one is measured again.
TEST(ExperimentCliTest, KilledExperimentResumes) {
    test::TempDir dir;
    const auto file = dir.write("exp.toml", "[experiment]\nname = \"killed\"\nrepetitions = 4\ninterval_ms = 20\nrandomize = false\n"
                                            "[[scenario]]\nname = \"slow\"\ncommand = \"sleep 0.4\"\n");
    const std::string db = (dir.path() / "runs.sqlite").string();
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        const int null_fd = ::open("/dev/null", O_WRONLY);
        ::dup2(null_fd, 2);
        ::setenv("XDG_DATA_HOME", (dir.path() / "xdg").c_str(), 1);
        ::execl(POWERML_BINARY, POWERML_BINARY, "experiment", "--db", db.c_str(), "run", file.c_str(), "-q", nullptr);
        ::_exit(127);
    }
    // Wait until two repetitions are finished and the third is being measured.
    bool ready = false;
    for (int i = 0; i < 200 && !ready; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        const auto r = test::run_powerml({"experiment", "--db", db, "status", "killed", "--format", "json"}, isolated_env(dir));
        if (r.exit_code != 0) continue;
        const auto s = json::parse(r.out);
        ready = s["finished"] == 2 && s["runs"][2]["status"] == "running";
    }
    ::kill(pid, SIGKILL);
    int wstatus = 0;
    ::waitpid(pid, &wstatus, 0);
    ASSERT_TRUE(ready) << "the experiment never reached its third repetition";
    const auto cut = status(dir, db, "killed");
    EXPECT_EQ(cut["runs"][2]["status"], "running");
    const auto before = finished_ids(cut);
    const auto again = test::run_powerml({"experiment", "--db", db, "run", file.string()}, isolated_env(dir));
    ASSERT_EQ(again.exit_code, 0) << again.err;
    EXPECT_NE(again.err.find("measured 2 run(s) now"), std::string::npos) << again.err;
    const auto after = finished_ids(status(dir, db, "killed"));
    EXPECT_EQ(after.size(), 4u);
    for (const auto& [key, id] : before) EXPECT_EQ(after.at(key), id);
}
