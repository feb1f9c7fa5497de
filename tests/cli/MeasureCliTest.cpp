// Runs the real `powerml measure` on real child commands.
#include <gtest/gtest.h>

#include <signal.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include <nlohmann/json.hpp>

#include "powerml/sensors/wall_correction.hpp"
#include "support/run_process.hpp"
#include "support/temp_dir.hpp"

using namespace powerml;
using nlohmann::json;

namespace {

std::map<std::string, std::string> isolated_env(const test::TempDir& dir) {
    return {{"XDG_DATA_HOME", (dir.path() / "xdg").string()}};
}

json read_summary(const test::TempDir& dir, const std::string& sub = "out") {
    return json::parse(test::read_file(dir.path() / sub / "summary.json"));
}

}  // namespace

TEST(MeasureCliTest, ExitStatusOfTheCommandIsPassedThrough) {
    test::TempDir dir;
    const auto ok = test::run_powerml({"measure", "--out", (dir.path() / "out").string(), "--", "true"}, isolated_env(dir));
    EXPECT_EQ(ok.exit_code, 0) << ok.err;
    const auto fail = test::run_powerml({"measure", "-q", "--no-db", "--", "sh", "-c", "exit 3"}, isolated_env(dir));
    EXPECT_EQ(fail.exit_code, 3);
    const auto summary = read_summary(dir);
    EXPECT_EQ(summary["schema"], "powerml.run/1");
    EXPECT_EQ(summary["exit_status"], 0);
    for (const char* key : {"duration_s", "interval_s", "samples", "energy_j", "components", "phases", "carbon", "data_quality"})
        EXPECT_TRUE(summary.contains(key)) << key;
    for (const char* key : {"gross", "baseline", "net", "uncertainty"}) EXPECT_TRUE(summary["energy_j"].contains(key)) << key;
    for (const char* key : {"counter_wraps", "read_errors", "gaps"}) EXPECT_TRUE(summary["data_quality"].contains(key)) << key;
    // No zone: carbon is null with a reason, never a silent zero.
    EXPECT_TRUE(summary["carbon"]["g_co2e"].is_null());
    EXPECT_NE(summary["carbon"]["intensity_source"].get<std::string>().find("no --zone"), std::string::npos);
}

TEST(MeasureCliTest, ChildKilledBySignalGives128PlusSignal) {
    test::TempDir dir;
    const auto r = test::run_powerml({"measure", "-q", "--out", (dir.path() / "out").string(), "--", "sh", "-c", "kill -9 $$"},
                                     isolated_env(dir));
    EXPECT_EQ(r.exit_code, 128 + 9);
    EXPECT_EQ(read_summary(dir)["exit_status"], 137);
}

TEST(MeasureCliTest, CommandThatCannotStartGives127AndAClearMessage) {
    test::TempDir dir;
    const auto r = test::run_powerml({"measure", "-q", "--no-db", "--", "/no/such/program"}, isolated_env(dir));
    EXPECT_EQ(r.exit_code, 127);
    EXPECT_NE(r.err.find("cannot start '/no/such/program'"), std::string::npos) << r.err;
}

TEST(MeasureCliTest, ChildOutputIsUntouched) {
    test::TempDir dir;
    const auto r = test::run_powerml({"measure", "--no-db", "--", "sh", "-c", "echo to-stdout; echo to-stderr >&2"},
                                     isolated_env(dir));
    EXPECT_EQ(r.out, "to-stdout\n");
    EXPECT_EQ(r.err.rfind("to-stderr\n", 0), 0u) << r.err;  // the child's line first, then powerml's summary
}

TEST(MeasureCliTest, PhasesAndMetricsFromAShellScript) {
    test::TempDir dir;
    const std::string powerml = POWERML_BINARY;
    const std::string script = powerml + " mark train && " + powerml + " mark epoch-1 && sleep 0.3 && " + powerml +
                               " metric accuracy 0.5 && " + powerml + " mark --end epoch-1 && " + powerml +
                               " mark epoch-2 && sleep 0.3 && echo 'metric accuracy 0.75' > \"$POWERML_CONTROL\" && " +
                               "echo 'end epoch-2' > \"$POWERML_CONTROL\" && " + powerml + " mark --end train && " +
                               "echo 'garbage line' > \"$POWERML_CONTROL\"";
    const auto r = test::run_powerml({"measure", "-q", "--interval", "20", "--out", (dir.path() / "out").string(), "--", "sh",
                                      "-c", script},
                                     isolated_env(dir));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto summary = read_summary(dir);
    const auto& phases = summary["phases"];
    ASSERT_EQ(phases.size(), 3u) << phases.dump();
    EXPECT_EQ(phases[0]["name"], "train");
    EXPECT_EQ(phases[1]["name"], "epoch-1");
    EXPECT_EQ(phases[1]["parent"], "train");
    EXPECT_EQ(phases[2]["name"], "epoch-2");
    EXPECT_DOUBLE_EQ(phases[1]["metrics"]["accuracy"].get<double>(), 0.5);
    EXPECT_DOUBLE_EQ(phases[2]["metrics"]["accuracy"].get<double>(), 0.75);
    EXPECT_GT(phases[1]["duration_s"].get<double>(), 0.25);
    EXPECT_FALSE(phases[0]["closed_at_exit"].get<bool>());
    EXPECT_EQ(summary["data_quality"]["control_errors"], 1);
    const std::string csv = test::read_file(dir.path() / "out" / "phases.csv");
    EXPECT_EQ(csv.rfind("name,depth,parent,", 0), 0u);
    EXPECT_NE(csv.find("epoch-2,1,train,"), std::string::npos) << csv;
}

TEST(MeasureCliTest, MarkOutsideAMeasurementIsAClearError) {
    const auto r = test::run_process({POWERML_BINARY, "mark", "x"}, {{"POWERML_CONTROL", ""}});
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.err.find("POWERML_CONTROL is not set"), std::string::npos) << r.err;
}

// The child writes a fake RAPL counter while it runs, so the expected energy is known exactly,
// including a wrap of the counter in the middle of the run.
TEST(MeasureCliTest, EnergyFromFakeCountersWrittenByTheChild) {
    test::TempDir dir, sys;
    const std::string zone = "class/powercap/intel-rapl:0/";
    sys.write(zone + "name", "package-0\n");
    sys.write(zone + "max_energy_range_uj", "10000000\n");
    sys.write(zone + "energy_uj", "1000000\n");
    const std::string counter = (sys.path() / zone / "energy_uj").string();
    // +4 J, +4 J, then past the 10 J range to 2 J: +3.000001 J (the counter counts 0..10000000).
    const std::string script = "sleep 0.3; echo 5000000 > " + counter + "; sleep 0.3; echo 9000000 > " + counter +
                               "; sleep 0.3; echo 2000000 > " + counter + "; sleep 0.3";
    auto env = isolated_env(dir);
    env["POWERML_SYSFS_ROOT"] = sys.path().string();
    const auto r = test::run_powerml({"measure", "-q", "--interval", "50", "--out", (dir.path() / "out").string(), "--", "sh",
                                      "-c", script},
                                     env);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto summary = read_summary(dir);
    const json* package = nullptr;
    for (const auto& c : summary["components"])
        if (c["name"] == "package-0") package = &c;
    ASSERT_NE(package, nullptr) << summary["components"].dump();
    EXPECT_EQ((*package)["kind"], "counter");
    EXPECT_EQ((*package)["source"], "rapl");
    EXPECT_NEAR((*package)["energy_j"].get<double>(), 11.000001, 1e-6);
    EXPECT_EQ(summary["data_quality"]["counter_wraps"], 1);
    // RAPL measures the CPU here, so the CPU is not also modelled; DRAM still is (no DRAM zone).
    for (const auto& c : summary["components"]) {
        if (c["component"] == "cpu") EXPECT_EQ(c["source"], "rapl");
        if (c["component"] == "dram") EXPECT_EQ(c["kind"], "model");
    }
}

TEST(MeasureCliTest, BaselineIsSubtracted) {
    test::TempDir dir;
    const auto r = test::run_powerml({"measure", "-q", "--baseline", "0.5", "--out", (dir.path() / "out").string(), "--", "sleep",
                                      "0.5"},
                                     isolated_env(dir));
    ASSERT_EQ(r.exit_code, 0);
    const auto e = read_summary(dir)["energy_j"];
    EXPECT_GT(e["baseline"].get<double>(), 0.0);
    EXPECT_NEAR(e["net"].get<double>(), e["gross"].get<double>() - e["baseline"].get<double>(), 1e-9);
    EXPECT_GT(e["uncertainty"].get<double>(), 0.0);
    EXPECT_NEAR(read_summary(dir)["baseline_s"].get<double>(), 0.5, 0.1);
}

TEST(MeasureCliTest, BadInputGetsOneLineAndNoFiles) {
    test::TempDir dir;
    const auto out = (dir.path() / "out").string();
    struct Case {
        std::vector<std::string> args;
        std::string expect;
    };
    const std::vector<Case> cases = {
        {{"measure", "--bogus", "--", "true"}, "bogus"},
        {{"measure", "--interval", "0", "--out", out, "--", "true"}, "--interval"},
        {{"measure", "--interval", "fast", "--", "true"}, "interval"},
        {{"measure", "--baseline", "-1", "--out", out, "--", "true"}, "--baseline"},
        {{"measure", "--out", "/proc/powerml-cannot-write-here", "--", "true"}, "/proc/powerml-cannot-write-here"},
        {{"measure"}, "command"},
    };
    for (const auto& c : cases) {
        const auto r = test::run_powerml(c.args, isolated_env(dir));
        EXPECT_NE(r.exit_code, 0) << c.args[1];
        EXPECT_NE(r.err.find(c.expect), std::string::npos) << r.err;
        EXPECT_FALSE(std::filesystem::exists(dir.path() / "out" / "summary.json"));
    }
}

TEST(MeasureCliTest, SigtermToPowermlIsForwardedAndEverythingIsWritten) {
    test::TempDir dir;
    const std::string out = (dir.path() / "out").string();
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::setenv("XDG_DATA_HOME", (dir.path() / "xdg").c_str(), 1);
        const int null = ::open("/dev/null", O_WRONLY);
        ::dup2(null, 2);
        ::execl(POWERML_BINARY, POWERML_BINARY, "measure", "--out", out.c_str(), "--", "sleep", "30", nullptr);
        ::_exit(99);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(700));
    ::kill(pid, SIGTERM);
    int status = 0;
    ::waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 128 + SIGTERM);
    const auto summary = read_summary(dir);
    EXPECT_EQ(summary["exit_status"], 128 + SIGTERM);
    EXPECT_LT(summary["duration_s"].get<double>(), 10.0);
}

TEST(MeasureCliTest, KilledPowermlLeavesAnInterruptedRunWithItsSamples) {
    test::TempDir dir;
    const std::string db = (dir.path() / "runs.sqlite").string();
    const pid_t pid = ::fork();
    if (pid == 0) {
        const int null = ::open("/dev/null", O_WRONLY);
        ::dup2(null, 2);
        ::execl(POWERML_BINARY, POWERML_BINARY, "measure", "--db", db.c_str(), "--", "sleep", "3", nullptr);
        ::_exit(99);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2300));
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    const auto list = test::run_powerml({"runs", "--db", db, "list", "--format", "json"});
    ASSERT_EQ(list.exit_code, 0) << list.err;
    const auto runs = json::parse(list.out);
    ASSERT_EQ(runs.size(), 1u);
    EXPECT_EQ(runs[0]["status"], "interrupted");
    // Flushed every second: at least the first ~1.3 s of the 2.3 s are there.
    EXPECT_GT(runs[0]["duration_s"].get<double>(), 1.0);
    const auto show = test::run_powerml({"runs", "--db", db, "show", runs[0]["id"]});
    ASSERT_EQ(show.exit_code, 0) << show.err;
    EXPECT_EQ(json::parse(show.out)["status"], "interrupted");
}

TEST(MeasureCliTest, RunsListShowExport) {
    test::TempDir dir;
    const std::string db = (dir.path() / "runs.sqlite").string();
    const auto r = test::run_powerml({"measure", "-q", "--db", db, "--", "sh", "-c", "sleep 0.2"});
    ASSERT_EQ(r.exit_code, 0);
    const auto runs = json::parse(test::run_powerml({"runs", "--db", db, "list", "--format", "json"}).out);
    ASSERT_EQ(runs.size(), 1u);
    EXPECT_EQ(runs[0]["status"], "finished");
    const std::string id = runs[0]["id"];
    const auto exported = test::run_powerml({"runs", "--db", db, "export", id.substr(0, 12), "--out", (dir.path() / "exp").string()});
    ASSERT_EQ(exported.exit_code, 0) << exported.err;
    const auto summary = read_summary(dir, "exp");
    EXPECT_EQ(summary["run_id"], id);
    EXPECT_TRUE(std::filesystem::exists(dir.path() / "exp" / "samples.csv"));
    const auto missing = test::run_powerml({"runs", "--db", db, "show", "nope"});
    EXPECT_NE(missing.exit_code, 0);
    EXPECT_NE(missing.err.find("no run 'nope'"), std::string::npos);
}

TEST(MeasureCliTest, ZoneAddsTimeResolvedEmissions) {
    test::TempDir dir;
    const auto r = test::run_powerml({"measure", "-q", "--zone", "GB", "--pue", "1.2", "--out", (dir.path() / "out").string(),
                                      "--", "sleep", "0.3"},
                                     isolated_env(dir));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto carbon = read_summary(dir)["carbon"];
    EXPECT_EQ(carbon["zone"], "GB");
    EXPECT_GT(carbon["g_co2e"].get<double>(), 0.0);
    EXPECT_GT(carbon["intensity_g_per_kwh"].get<double>(), 0.0);
    EXPECT_DOUBLE_EQ(carbon["pue"].get<double>(), 1.2);
    EXPECT_FALSE(carbon["intensity_source"].get<std::string>().empty());
    const auto bad = test::run_powerml({"measure", "--zone", "Atlantis", "--out", (dir.path() / "bad").string(), "--", "true"},
                                       isolated_env(dir));
    EXPECT_NE(bad.exit_code, 0);
    EXPECT_NE(bad.err.find("Atlantis"), std::string::npos);
    EXPECT_FALSE(std::filesystem::exists(dir.path() / "bad" / "summary.json"));
}

// A job given one of two GPUs is charged for that one only (fake NVML library from tests/fakes).
TEST(MeasureCliTest, GpusFlagChargesOnlyTheGivenGpu) {
    test::TempDir dir;
    auto env = isolated_env(dir);
    env["POWERML_NVML_LIBRARY"] = POWERML_FAKE_NVML;
    env["FAKE_NVML_SCRIPT"] = POWERML_TEST_SOURCE_DIR "/fakes/nvml_two_gpus.txt";
    env["CUDA_VISIBLE_DEVICES"] = "0,1";
    for (const std::string gpus : {"1", "GPU-fake-0"}) {
        const auto out = (dir.path() / ("out" + gpus)).string();
        const auto r = test::run_powerml({"measure", "-q", "--no-db", "--gpus", gpus, "--out", out, "--", "sleep", "0.3"}, env);
        ASSERT_EQ(r.exit_code, 0) << r.err;
        const auto summary = json::parse(test::read_file(std::filesystem::path(out) / "summary.json"));
        std::vector<std::string> gpu_names;
        std::string kind;
        for (const auto& c : summary["components"]) {
            if (c["component"] != "gpu" || !c["summed"].get<bool>()) continue;
            gpu_names.push_back(c["name"]);
            kind = c["kind"];
        }
        ASSERT_EQ(gpu_names.size(), 1u) << summary["components"].dump();
        // GPU 0 has an energy counter; GPU 1 has none, so its power is integrated.
        EXPECT_EQ(gpu_names[0], gpus == "1" ? "gpu-1" : "gpu-0");
        EXPECT_EQ(kind, gpus == "1" ? "integrated-power" : "counter");
    }
}

// A wall-meter correction fitted earlier on this machine is applied to later runs, labelled.
TEST(MeasureCliTest, StoredWallCorrectionIsAppliedAndLabelled) {
    test::TempDir dir, sys;
    auto env = isolated_env(dir);
    sensors::WallCorrection correction;
    correction.a = 1.25;
    correction.b = 40.0;
    correction.r2 = 0.97;
    correction.points = 600;
    correction.source = "test";
    sensors::WallCorrectionStore(dir.path() / "xdg" / "powerml" / "wall-corrections.json")
        .save(sensors::WallCorrectionStore::this_machine(), correction);
    const std::string zone = "class/powercap/intel-rapl:0/";
    sys.write(zone + "name", "package-0\n");
    sys.write(zone + "max_energy_range_uj", "100000000\n");
    sys.write(zone + "energy_uj", "0\n");
    env["POWERML_SYSFS_ROOT"] = sys.path().string();
    const std::string script = "sleep 0.2; echo 10000000 > " + (sys.path() / zone / "energy_uj").string() + "; sleep 0.2";
    const auto r = test::run_powerml({"measure", "--out", (dir.path() / "out").string(), "--", "sh", "-c", script}, env);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto summary = read_summary(dir);
    ASSERT_TRUE(summary.contains("wall_corrected")) << summary.dump();
    const double gross = summary["energy_j"]["gross"], duration = summary["duration_s"];
    EXPECT_NEAR(summary["wall_corrected"]["energy_j"]["gross"].get<double>(), 1.25 * gross + 40.0 * duration, 1e-6);
    EXPECT_NE(summary["wall_corrected"]["label"].get<std::string>().find("wall-corrected"), std::string::npos);
    EXPECT_NE(r.err.find("at the wall (estimate)"), std::string::npos);
}
