// The job's own share on a shared machine, with real processes: five `powerml measure` runs at
// once on one fake RAPL package driven at a known constant power, a CPU burner outside the
// jobs (a thread of this test), jobs with known CPU use (busy loops) and sleeping jobs. And
// baselines that were not idle: a burner during the baseline gives the warning and the flag.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <thread>
#include <cmath>
#include <future>
#include <regex>

#include <nlohmann/json.hpp>

#include "powerml/sensors/procfs_sensor.hpp"
#include "support/counter_writer.hpp"
#include "support/run_process.hpp"
#include "support/temp_dir.hpp"

using namespace powerml;
using nlohmann::json;

namespace {

constexpr double k_watts = 20.0;  // the fake package's constant power

struct FakeRapl {
    test::TempDir sys;
    std::unique_ptr<test::CounterWriter> writer;
    FakeRapl() {
        const std::string zone = "class/powercap/intel-rapl:0/";
        sys.write(zone + "name", "package-0\n");
        sys.write(zone + "max_energy_range_uj", "262143328850\n");
        writer = std::make_unique<test::CounterWriter>(sys.path() / zone / "energy_uj", std::filesystem::path(), k_watts, k_watts);
    }
};

// A job that busy-loops for `busy_s` then sleeps `sleep_s`, and prints its own CPU time
// (the shell's `times`: user and system of the shell, then of its waited children).
std::string job_script(double busy_s, double sleep_s) {
    std::string s;
    if (busy_s > 0)
        s += "end=$(( $(date +%s%N) + " + std::to_string(static_cast<long long>(busy_s * 1e9)) +
             " )); while [ $(date +%s%N) -lt $end ]; do :; done; ";
    if (sleep_s > 0) s += "sleep " + std::to_string(sleep_s) + "; ";
    return s + "times";
}

// Sum of the four "XmY.YYYs" figures `times` prints.
double cpu_seconds_from_times(const std::string& text) {
    const std::regex figure(R"((\d+)m([0-9.]+)s)");
    double total = 0;
    for (auto it = std::sregex_iterator(text.begin(), text.end(), figure); it != std::sregex_iterator(); ++it)
        total += std::stod((*it)[1]) * 60.0 + std::stod((*it)[2]);
    return total;
}

struct JobRun {
    test::ProcessResult result;
    json summary;
    double own_cpu_s = 0;  // from the job itself
};

JobRun measure(const FakeRapl& rapl, const test::TempDir& dir, const std::string& name, const std::string& script,
               const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {"measure", "--interval", "50", "--no-db", "--out", (dir.path() / name).string()};
    args.insert(args.end(), extra.begin(), extra.end());
    args.insert(args.end(), {"--", "sh", "-c", script});
    JobRun run;
    run.result = test::run_powerml(args, {{"POWERML_SYSFS_ROOT", rapl.sys.path().string()},
                                          {"XDG_DATA_HOME", (dir.path() / "xdg").string()}});
    if (run.result.exit_code == 0) run.summary = json::parse(test::read_file(dir.path() / name / "summary.json"));
    run.own_cpu_s = cpu_seconds_from_times(run.result.out);
    return run;
}

}  // namespace

TEST(AttributionCliTest, FiveJobsAtOnceGetTheirCpuShareAndNeverSumAboveTheMachine) {
    FakeRapl rapl;
    test::TempDir dir;
    test::CpuBurner burner;  // another tenant, outside every job
    // Two busy jobs, one half busy, two asleep.
    const std::vector<std::pair<double, double>> plan = {{2.5, 0}, {2.5, 0}, {1.2, 1.3}, {0, 2.5}, {0, 2.5}};
    const auto launched = std::chrono::steady_clock::now();
    std::vector<std::future<JobRun>> futures;
    for (std::size_t i = 0; i < plan.size(); ++i)
        futures.push_back(std::async(std::launch::async, [&, i] {
            return measure(rapl, dir, "job" + std::to_string(i), job_script(plan[i].first, plan[i].second));
        }));
    std::vector<JobRun> runs;
    for (auto& f : futures) runs.push_back(f.get());

    double attributed_sum = 0, longest_s = 0, largest_machine_j = 0, machine_w = 0;
    for (std::size_t i = 0; i < runs.size(); ++i) {
        const auto& r = runs[i];
        ASSERT_EQ(r.result.exit_code, 0) << r.result.err;
        const json& s = r.summary;
        ASSERT_TRUE(s.contains("attribution")) << s.dump(2);
        const json& a = s["attribution"];
        EXPECT_EQ(a["provenance"], "attributed");
        const double machine = a["machine_j"], attributed = a["energy_j"], job_cpu = a["job_cpu_s"];
        const double busy = a["machine_busy_cpu_s"], duration = s["duration_s"];
        // The machine's figures stay beside the job's: the package is the known power over the
        // job's window (the machine's total adds the modelled DRAM).
        for (const auto& c : s["components"])
            if (c["name"] == "package-0") EXPECT_NEAR(c["energy_j"].get<double>(), k_watts * duration, 0.05 * k_watts * duration);
        EXPECT_NEAR(static_cast<double>(s["energy_j"]["gross"]), machine, 1e-9);
        largest_machine_j = std::max(largest_machine_j, machine);
        machine_w = std::max(machine_w, machine / duration);
        EXPECT_GE(attributed, 0.0);
        EXPECT_LE(attributed, machine + 1e-9);
        EXPECT_NEAR(static_cast<double>(a["others_and_idle_j"]), machine - attributed, 1e-6);
        // powerml's CPU time of the job against the job's own account of it (`times`):
        // within two clock ticks per process read plus 5 %.
        EXPECT_NEAR(job_cpu, r.own_cpu_s, 0.05 + 0.05 * r.own_cpu_s) << "job " << i;
        // The attributed energy against the share from the processes' own CPU times (no idle
        // baseline, so the whole power is split): within 15 % + 0.5 J. The share varies within
        // the run as the other tenants' load does, and powerml weights it per interval.
        const double truth = busy > 0 ? std::min(1.0, r.own_cpu_s / busy) * machine : 0.0;
        EXPECT_NEAR(attributed, truth, 0.15 * truth + 0.5) << "job " << i << ": cpu " << r.own_cpu_s << " of " << busy;
        std::printf("job %zu: own CPU %.3f s, powerml %.3f s of %.3f busy CPU-s; attributed %.3f J (truth %.3f J) of %.3f J\n",
                    i, r.own_cpu_s, job_cpu, busy, attributed, truth, machine);
        if (plan[i].first == 0) {
            // Asleep beside a burner: charged close to nothing.
            EXPECT_LT(attributed, 0.02 * machine) << "sleeping job " << i;
        }
        attributed_sum += attributed;
        longest_s = std::max(longest_s, duration);
    }
    const double wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - launched).count();
    // The invariant: five jobs measured at once never sum above the machine. Their windows
    // overlap almost entirely (launched together, 2.5 s each): the sum stays below the machine's
    // energy over the longest window, and below the machine's power over the test's wall time.
    std::printf("five jobs: attributed %.3f J in all; machine %.3f J over the longest window, %.3f J over the test\n",
                attributed_sum, largest_machine_j, machine_w * wall_s);
    EXPECT_LE(attributed_sum, largest_machine_j);
    EXPECT_LE(attributed_sum, machine_w * wall_s);
}

TEST(AttributionCliTest, ABusyBaselineWarnsAndIsFlaggedAnIdleOneIsNot) {
    FakeRapl rapl;
    test::TempDir dir;
    {
        test::CpuBurner burner;  // one CPU busy for the whole baseline
        const auto run = measure(rapl, dir, "busy", "true", {"--baseline", "1"});
        ASSERT_EQ(run.result.exit_code, 0) << run.result.err;
        EXPECT_NE(run.result.err.find("WARNING: the idle baseline was not idle"), std::string::npos) << run.result.err;
        EXPECT_TRUE(run.summary["data_quality"]["baseline_not_idle"].get<bool>());
        EXPECT_TRUE(run.summary["baseline_idleness"]["busy"].get<bool>());
        EXPECT_GT(run.summary["baseline_idleness"]["cpu_util_mean"].get<double>(), 0.3);
        EXPECT_TRUE(run.summary["attribution"]["headline"].get<bool>());
        EXPECT_NE(run.result.err.find("headline: job's own share"), std::string::npos) << run.result.err;
    }
    // An idle machine: a fake procfs whose CPU counters do not move (a real shared machine is
    // never reliably idle). Only /proc/stat and meminfo exist there.
    test::TempDir proc;
    proc.write("stat", "cpu  100 0 100 10000 0 0 0 0 0 0\ncpu0 50 0 50 5000 0 0 0 0 0 0\ncpu1 50 0 50 5000 0 0 0 0 0 0\n");
    proc.write("meminfo", "MemTotal: 1000000 kB\nMemAvailable: 500000 kB\n");
    const auto run = test::run_powerml({"measure", "--interval", "50", "--baseline", "1", "--no-db", "--out",
                                        (dir.path() / "idle").string(), "--", "true"},
                                       {{"POWERML_SYSFS_ROOT", rapl.sys.path().string()},
                                        {"POWERML_PROCFS_ROOT", proc.path().string()},
                                        {"XDG_DATA_HOME", (dir.path() / "xdg").string()}});
    ASSERT_EQ(run.exit_code, 0) << run.err;
    EXPECT_EQ(run.err.find("WARNING"), std::string::npos) << run.err;
    const json s = json::parse(test::read_file(dir.path() / "idle" / "summary.json"));
    EXPECT_FALSE(s["data_quality"]["baseline_not_idle"].get<bool>());
    ASSERT_TRUE(s.contains("baseline_idleness")) << s.dump(2);
    EXPECT_FALSE(s["baseline_idleness"]["busy"].get<bool>());
}

namespace {

// A fake cgroup v2 directory whose cpu.stat usage_usec grows at `cpus` CPU-seconds per second.
class CgroupWriter {
public:
    CgroupWriter(std::filesystem::path dir, double cpus) : m_dir(std::move(dir)), m_cpus(cpus) {
        write(0);
        m_thread = std::thread([this] {
            const auto start = std::chrono::steady_clock::now();
            while (!m_stop) {
                std::this_thread::sleep_for(std::chrono::milliseconds(5));
                write(m_cpus * std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
            }
        });
    }
    ~CgroupWriter() {
        m_stop = true;
        m_thread.join();
    }

private:
    void write(double cpu_s) {
        const auto tmp = m_dir / ".cpu.stat.tmp";
        {
            std::ofstream out(tmp);
            out << "usage_usec " << static_cast<long long>(cpu_s * 1e6) << "\nuser_usec 0\nsystem_usec 0\n";
        }
        std::filesystem::rename(tmp, m_dir / "cpu.stat");
    }
    std::filesystem::path m_dir;
    double m_cpus;
    std::atomic<bool> m_stop{false};
    std::thread m_thread;
};

}  // namespace

TEST(AttributionCliTest, AFakeCgroupV2TreeIsTheJob) {
    FakeRapl rapl;
    test::TempDir dir, cgroups;
    cgroups.write("slurm/uid_1000/job_42/step_0/cgroup.procs", "");
    CgroupWriter writer(cgroups.path() / "slurm/uid_1000/job_42/step_0", 0.4);  // the step uses 0.4 CPU
    test::CpuBurner burner;  // the machine is busier than the step: at least one CPU
    const auto r = test::run_powerml({"measure", "--interval", "50", "--no-db", "--out", (dir.path() / "out").string(),
                                      "--cgroup", "/slurm/uid_1000/job_42/step_0", "--", "sleep", "1.5"},
                                     {{"POWERML_SYSFS_ROOT", rapl.sys.path().string()},
                                      {"POWERML_CGROUP_ROOT", cgroups.path().string()},
                                      {"XDG_DATA_HOME", (dir.path() / "xdg").string()}});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const json s = json::parse(test::read_file(dir.path() / "out" / "summary.json"));
    const json& a = s["attribution"];
    EXPECT_EQ(a["scope"], "cgroup:/slurm/uid_1000/job_42/step_0");
    const double duration = s["duration_s"], job_cpu = a["job_cpu_s"], busy = a["machine_busy_cpu_s"];
    // The cgroup's CPU time, not the sleeping process tree's (about 0): 0.4 CPU x the window,
    // within the 0.5 s between reads of the counters.
    EXPECT_NEAR(job_cpu, 0.4 * duration, 0.25) << s.dump(2);
    EXPECT_GT(busy, job_cpu);
    EXPECT_NEAR(a["cpu_share"].get<double>(), job_cpu / busy, 0.02);
    std::printf("cgroup: %.3f CPU-s of %.3f busy CPU-s over %.2f s; attributed %.3f J of %.3f J\n", job_cpu, busy, duration,
                a["energy_j"].get<double>(), a["machine_j"].get<double>());

    // A --cgroup that is not one is a one-line error before anything runs.
    const auto bad = test::run_powerml({"measure", "--no-db", "--cgroup", "/nope", "--", "true"},
                                       {{"POWERML_SYSFS_ROOT", rapl.sys.path().string()},
                                        {"POWERML_CGROUP_ROOT", cgroups.path().string()},
                                        {"XDG_DATA_HOME", (dir.path() / "xdg").string()}});
    EXPECT_NE(bad.exit_code, 0);
    EXPECT_NE(bad.err.find("--cgroup /nope: no cpu.stat"), std::string::npos) << bad.err;
}

TEST(AttributionCliTest, JobCgroupsAreToldFromSessions) {
    EXPECT_TRUE(sensors::ProcfsSensor::is_job_cgroup("/system.slice/slurmstepd.scope/job_42/step_0"));
    EXPECT_TRUE(sensors::ProcfsSensor::is_job_cgroup("/slurm/uid_1000/job_42/step_batch"));
    EXPECT_TRUE(sensors::ProcfsSensor::is_job_cgroup("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1.slice/cri-containerd-ab.scope"));
    EXPECT_TRUE(sensors::ProcfsSensor::is_job_cgroup("/user.slice/user-1000.slice/user@1000.service/app.slice/run-r1234.scope"));
    EXPECT_FALSE(sensors::ProcfsSensor::is_job_cgroup("/user.slice/user-1000.slice/session-3.scope"));
    EXPECT_FALSE(sensors::ProcfsSensor::is_job_cgroup("/init.scope"));
    EXPECT_FALSE(sensors::ProcfsSensor::is_job_cgroup("/"));
}
