// `powerml models` end to end, and the round trip the repository exists for: a machine with
// RAPL measures a run, fits its CPU model and exports it; a machine of the same CPU without
// RAPL imports it and models its energy within the error the fit reported.
#include <gtest/gtest.h>

#include <iostream>

#include <nlohmann/json.hpp>

#include "support/run_process.hpp"
#include "support/temp_dir.hpp"

using namespace powerml;
using nlohmann::json;

namespace {

constexpr const char* k_cpu = "Intel(R) Core(TM) i7-8700K CPU @ 3.70GHz";

// A complete fake /proc for a 4-CPU machine (stat is rewritten by the child).
void write_fake_proc(const test::TempDir& proc) {
    std::string cpuinfo;
    for (int i = 0; i < 4; ++i)
        cpuinfo += "processor\t: " + std::to_string(i) + "\nmodel name\t: " + k_cpu + "\nphysical id\t: 0\nflags\t\t: fpu sse2 avx\n\n";
    proc.write("cpuinfo", cpuinfo);
    proc.write("meminfo", "MemTotal:       16000000 kB\nMemAvailable:    8000000 kB\n");
    proc.write("stat", "cpu  0 0 0 1 0 0 0 0 0 0\n");
    proc.write("diskstats", "   8       0 sda 100 0 800 0 50 0 400 0 0 0 0 0 0 0 0 0 0\n");
    proc.write("net/dev", "Inter-|   Receive                                                |  Transmit\n"
                          " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n"
                          "  eth0: 1000 10 0 0 0 0 0 0 2000 20 0 0 0 0 0 0\n");
}

// The "hardware": every 10 ms the child picks up the time that passed, advances /proc/stat by
// that much at the current utilisation, and the true energy by P(u) = 12 + 70 u^1.8 W times
// it. The utilisation changes every 0.3 s, drawn from a seeded generator. The energy goes to
// a RAPL counter when `counter` is given, and always to `truth` (joules, plain text).
const char* k_child = R"(
import os, random, sys, time
proc, counter, truth, seed, seconds = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
rng = random.Random(seed)
def put(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)
busy = idle = energy = 0.0
start = last = time.monotonic()
u, next_change = rng.random(), start
while last - start < seconds:
    time.sleep(0.01)
    now = time.monotonic()
    dt, last = now - last, now
    busy += 4e6 * u * dt
    idle += 4e6 * (1 - u) * dt
    energy += (12 + 70 * u ** 1.8) * dt
    put(proc + "/stat", "cpu  %d 0 0 %d 0 0 0 0 0 0\n" % (busy, idle + 1))
    if counter != "-":
        put(counter, "%d\n" % (energy * 1e6))
    if now >= next_change:
        u, next_change = rng.choice([0.0, 0.05, rng.random(), 1.0]), now + 0.3
put(truth, repr(energy))
)";

json measure(const test::TempDir& dir, const std::map<std::string, std::string>& env, const std::string& counter, int seed,
             const std::string& out) {
    const auto r = test::run_powerml({"measure", "-q", "--interval", "100", "--db", (dir.path() / "runs.sqlite").string(), "--out",
                                      (dir.path() / out).string(), "--", "/usr/bin/python3", (dir.path() / "child.py").string(),
                                      env.at("POWERML_PROCFS_ROOT"), counter, (dir.path() / (out + ".truth")).string(),
                                      std::to_string(seed), "4"},
                                     env);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return json::parse(test::read_file(dir.path() / out / "summary.json"));
}

}  // namespace

TEST(ModelsCliTest, FitExportImportAndModelOnAMachineWithoutRapl) {
    // Machine A: RAPL package counter.
    test::TempDir a, proc_a, sys_a, shared;
    write_fake_proc(proc_a);
    const std::string zone = "class/powercap/intel-rapl:0/";
    sys_a.write(zone + "name", "package-0\n");
    sys_a.write(zone + "max_energy_range_uj", "262143328850\n");
    sys_a.write(zone + "energy_uj", "0\n");
    a.write("child.py", k_child);
    const std::map<std::string, std::string> env_a = {{"XDG_DATA_HOME", (a.path() / "xdg").string()},
                                                      {"POWERML_PROCFS_ROOT", proc_a.path().string()},
                                                      {"POWERML_SYSFS_ROOT", sys_a.path().string()}};
    const auto summary_a = measure(a, env_a, (sys_a.path() / zone / "energy_uj").string(), 1, "out");
    for (const auto& c : summary_a["components"])
        if (c["component"] == "cpu") EXPECT_EQ(c["source"], "rapl");
    const auto runs = test::run_powerml({"runs", "--db", (a.path() / "runs.sqlite").string(), "list", "--format", "json"}, env_a);
    ASSERT_EQ(runs.exit_code, 0) << runs.err;
    const std::string run_id = json::parse(runs.out)[0]["id"];

    const auto fit = test::run_powerml({"models", "fit", "--run", run_id, "--component", "cpu", "--db", (a.path() / "runs.sqlite").string(),
                                        "--id", "fit/lab-a/cpu", "--format", "json"},
                                       env_a);
    ASSERT_EQ(fit.exit_code, 0) << fit.err;
    const auto fitted = json::parse(fit.out);
    EXPECT_EQ(fitted["model"]["match"]["cpu"][0], k_cpu);  // the CPU of the machine that fitted it
    // Loose: on a loaded machine the sampler reads /proc/stat and the counter microseconds apart.
    EXPECT_GT(fitted["r2"].get<double>(), 0.8) << fit.err;
    const double reported_error = fitted["model"]["relative_uncertainty"].get<double>();
    EXPECT_NE(fit.err.find("<- chosen"), std::string::npos);

    const auto exported = test::run_powerml({"models", "export", "--user", "--to", shared.path().string()}, env_a);
    ASSERT_EQ(exported.exit_code, 0) << exported.err;
    ASSERT_TRUE(std::filesystem::exists(shared.path() / "fit_lab-a_cpu.toml"));

    // Machine B: same CPU, no RAPL; imports the shared folder.
    test::TempDir b, proc_b, sys_b;
    write_fake_proc(proc_b);
    b.write("child.py", k_child);
    const std::map<std::string, std::string> env_b = {{"XDG_DATA_HOME", (b.path() / "xdg").string()},
                                                      {"POWERML_PROCFS_ROOT", proc_b.path().string()},
                                                      {"POWERML_SYSFS_ROOT", sys_b.path().string()}};
    const auto imported = test::run_powerml({"models", "import", shared.path().string()}, env_b);
    ASSERT_EQ(imported.exit_code, 0) << imported.err;
    const auto matched = test::run_powerml({"models", "match", "--kind", "cpu", "--format", "json"}, env_b);
    ASSERT_EQ(matched.exit_code, 0) << matched.err;
    EXPECT_EQ(json::parse(matched.out)["components"][0]["models"][0]["id"], "fit/lab-a/cpu") << matched.out;

    const auto summary_b = measure(b, env_b, "-", 2, "out-b");
    const double truth = std::stod(test::read_file(b.path() / "out-b.truth"));
    const json* cpu = nullptr;
    for (const auto& c : summary_b["components"])
        if (c["component"] == "cpu") cpu = &c;
    ASSERT_NE(cpu, nullptr) << summary_b.dump();
    EXPECT_EQ((*cpu)["kind"], "model");
    EXPECT_EQ((*cpu)["model_id"], "fit/lab-a/cpu");
    const double modelled = (*cpu)["energy_j"].get<double>();
    std::cerr << "fit: " << fit.err << "machine B: modelled " << modelled << " J, truth " << truth << " J ("
              << 100 * (modelled - truth) / truth << " %), reported error " << 100 * reported_error << " %\n";
    EXPECT_NEAR(modelled, truth, reported_error * truth) << "modelled " << modelled << " J, truth " << truth << " J, reported error "
                                                         << reported_error;
}

TEST(ModelsCliTest, ValidateNamesFileLineAndField) {
    test::TempDir dir;
    const auto bad = dir.write("bad.toml", "schema = \"powerml.power-models/1\"\n[[model]]\nid = \"x\"\nkind = \"cpu\"\nform = \"linear\"\n"
                                           "idle_w = 50\nmax_w = 40\nsource = \"s\"\nlicence = \"l\"\nmatch = { fallback = true }\n");
    const auto r = test::run_powerml({"models", "validate", bad.string()});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find(bad.string() + ":7: model 'x': field 'max_w'"), std::string::npos) << r.err;
    const auto good = test::run_powerml({"models", "validate", POWERML_TEST_SOURCE_DIR "/../data/power-models/seed-hardware.toml"});
    EXPECT_EQ(good.exit_code, 0) << good.err;
    EXPECT_NE(good.out.find("13 models valid"), std::string::npos) << good.out;
    // A bad file is not imported, and nothing of the batch is copied.
    test::TempDir xdg;
    const auto imp = test::run_powerml({"models", "import", bad.string()}, {{"XDG_DATA_HOME", xdg.path().string()}});
    EXPECT_EQ(imp.exit_code, 1);
    EXPECT_FALSE(std::filesystem::exists(xdg.path() / "powerml" / "power-models" / "imported"));
}

TEST(ModelsCliTest, ListAndShowFilterAndPrintJson) {
    const auto r = test::run_powerml({"models", "list", "--kind", "gpu", "--match", "T4", "--format", "json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto list = json::parse(r.out);
    ASSERT_GE(list.size(), 2u);
    for (const auto& m : list) EXPECT_EQ(m["kind"], "gpu");
    const auto show = test::run_powerml({"models", "show", "seed/dell-poweredge-r610", "--format", "json"});
    ASSERT_EQ(show.exit_code, 0) << show.err;
    const auto m = json::parse(show.out);
    EXPECT_EQ(m["form"], "linear");
    EXPECT_NE(m["source"].get<std::string>().find("SPECpower"), std::string::npos);
    const auto missing = test::run_powerml({"models", "show", "no/such"});
    EXPECT_EQ(missing.exit_code, 1);
    EXPECT_NE(missing.err.find("no model 'no/such'"), std::string::npos);
}

TEST(ModelsCliTest, PinnedModelFromTheEnvironment) {
    test::TempDir proc, sys;
    write_fake_proc(proc);
    const std::map<std::string, std::string> env = {{"POWERML_PROCFS_ROOT", proc.path().string()},
                                                    {"POWERML_SYSFS_ROOT", sys.path().string()},
                                                    {"POWERML_POWER_MODELS_CPU", "tdp/intel-core-i7-8700"}};
    const auto r = test::run_powerml({"models", "match", "--kind", "cpu", "--format", "json"}, env);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto first = json::parse(r.out)["components"][0]["models"][0];
    EXPECT_EQ(first["id"], "tdp/intel-core-i7-8700");
    EXPECT_NE(first["reason"].get<std::string>().find("pinned"), std::string::npos);
}
