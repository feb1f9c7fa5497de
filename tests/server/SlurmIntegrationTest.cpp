// Slurm for real: a one-node cluster on 127.0.0.1 (Debian's slurm-wlm 22.05 with munge, run as
// root, daemons started and stopped by PID) takes a planned submission; the job starts at the
// planned time and its `powerml measure` run is recorded under its Slurm job id. Skipped (with
// the reason, never passed) where Slurm is missing, we are not root, or the cluster cannot start.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <fstream>
#include <regex>
#include <set>

#include <nlohmann/json.hpp>

#include "powerml/core/time.hpp"
#include "server/daemon.hpp"
#include "support/counter_writer.hpp"
#include "support/run_process.hpp"
#include "support/temp_dir.hpp"

using namespace powerml;

namespace {

class SlurmCluster {
public:
    explicit SlurmCluster(const std::filesystem::path& dir) : m_dir(dir) {}

    // Empty when the cluster is up; else why not.
    std::string start() {
        for (const char* tool : {"/usr/sbin/munged", "/usr/sbin/slurmctld", "/usr/sbin/slurmd", "/usr/bin/sbatch", "/usr/bin/scontrol"})
            if (!test::executable(tool)) return std::string(tool) + " is not installed (scripts/install-deps.sh installs slurm-wlm and munge)";
        if (::geteuid() != 0) return "a Slurm cluster needs root here (slurmd runs jobs as their user)";
        // munged checks that every folder above its socket is searchable by all.
        ::chmod(m_dir.c_str(), 0755);
        std::filesystem::create_directories(m_dir / "munge");
        std::filesystem::create_directories(m_dir / "state");
        std::filesystem::create_directories(m_dir / "spool");
        ::chmod((m_dir / "munge").c_str(), 0755);
        {
            std::ifstream random("/dev/urandom", std::ios::binary);
            std::string key(1024, '\0');
            random.read(key.data(), static_cast<std::streamsize>(key.size()));
            std::ofstream((m_dir / "munge" / "munge.key").string(), std::ios::binary) << key;
            ::chmod((m_dir / "munge" / "munge.key").c_str(), 0400);
        }
        const std::string socket = (m_dir / "munge" / "munge.sock").string();
        m_munged = std::make_unique<test::Daemon>(
            std::vector<std::string>{"/usr/sbin/munged", "-F", "-f", "--socket=" + socket, "--key-file=" + (m_dir / "munge/munge.key").string(),
                                     "--log-file=" + (m_dir / "munge/munged.log").string(), "--pid-file=" + (m_dir / "munge/munged.pid").string(),
                                     "--seed-file=" + (m_dir / "munge/seed").string()},
            std::map<std::string, std::string>{}, m_dir / "munged.out");
        if (!test::wait_for(10, [&] { return std::filesystem::exists(socket); }))
            return "munged did not start:\n" + m_munged->log_tail();

        // Free ports: other Slurm clusters may run beside this one on the same machine.
        const int ctld_port = test::free_port(), d_port = test::free_port();
        const std::string d = m_dir.string();
        std::ofstream(m_dir / "slurm.conf")
            << "ClusterName=powermltest\nSlurmctldHost=localhost(127.0.0.1)\n"
            << "SlurmctldPort=" << ctld_port << "\nSlurmdPort=" << d_port << "\n"
            << "SlurmUser=root\nSlurmdUser=root\nAuthType=auth/munge\nCredType=cred/munge\nAuthInfo=socket=" << socket << "\n"
            << "StateSaveLocation=" << d << "/state\nSlurmdSpoolDir=" << d << "/spool\n"
            << "SlurmctldPidFile=" << d << "/slurmctld.pid\nSlurmdPidFile=" << d << "/slurmd.pid\n"
            << "SlurmctldLogFile=" << d << "/slurmctld.log\nSlurmdLogFile=" << d << "/slurmd.log\n"
            << "ProctrackType=proctrack/linuxproc\nTaskPlugin=task/none\nMpiDefault=none\nReturnToService=2\n"
            << "AccountingStorageType=accounting_storage/none\nJobAcctGatherType=jobacct_gather/none\nJobCompType=jobcomp/none\n"
            << "SchedulerType=sched/backfill\nSchedulerParameters=sched_interval=2,bf_interval=1\n"
            << "SelectType=select/cons_tres\nSelectTypeParameters=CR_CPU\n"
            << "NodeName=localhost NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN\n"
            << "PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP\n";
        const std::string conf = (m_dir / "slurm.conf").string();
        m_env = {{"SLURM_CONF", conf}, {"TZ", "UTC"}};
        m_ctld = std::make_unique<test::Daemon>(std::vector<std::string>{"/usr/sbin/slurmctld", "-D", "-f", conf}, m_env, m_dir / "slurmctld.out");
        m_slurmd = std::make_unique<test::Daemon>(std::vector<std::string>{"/usr/sbin/slurmd", "-D", "-N", "localhost", "-f", conf}, m_env,
                                                  m_dir / "slurmd.out");
        const bool idle = test::wait_for(20, [&] {
            const auto r = test::run_process({"/usr/bin/scontrol", "show", "node", "localhost"}, m_env);
            return r.exit_code == 0 && r.out.find("State=IDLE") != std::string::npos;
        });
        if (!idle) return "the Slurm node did not become idle:\n" + m_ctld->log_tail() + "\n" + m_slurmd->log_tail();
        return {};
    }

    ~SlurmCluster() {
        // Jobs first (slurmd), then the controller, then munge.
        m_slurmd.reset();
        m_ctld.reset();
        m_munged.reset();
    }

    const std::map<std::string, std::string>& env() const { return m_env; }
    std::string field(const std::string& job_id, const std::string& name) const {
        const auto r = test::run_process({"/usr/bin/scontrol", "show", "job", job_id}, m_env);
        std::smatch m;
        const std::regex re("(^|\\s)" + name + "=(\\S+)");
        return std::regex_search(r.out, m, re) ? m[2].str() : "";
    }

private:
    std::filesystem::path m_dir;
    std::map<std::string, std::string> m_env;
    std::unique_ptr<test::Daemon> m_munged, m_ctld, m_slurmd;
};

// "2026-11-23T14:21:47" as Slurm prints it (TZ=UTC), to UTC milliseconds.
UtcMillis slurm_time(const std::string& text) { return parse_rfc3339(text + "Z"); }

TEST(SlurmIntegrationTest, PlannedSubmissionStartsOnTimeAndItsRunCarriesTheJobId) {
    test::TempDir dir;
    SlurmCluster cluster(dir.path() / "slurm");
    if (const std::string why = cluster.start(); !why.empty()) GTEST_SKIP() << why;

    // The job script wraps its step in `powerml measure`, which records SLURM_JOB_ID.
    const auto out = dir.path() / "run-out";
    const auto db = dir.path() / "runs.sqlite";
    dir.write("job.sh", "#!/bin/sh\n#SBATCH --output=" + (dir.path() / "slurm-%j.out").string() + "\nexec " + std::string(POWERML_BINARY) + " measure -q --interval 50 --db " + db.string() + " --out " +
                            out.string() + " -- sh -c 'echo training; sleep 1'\n");
    ::chmod((dir.path() / "job.sh").c_str(), 0755);

    // Plan a one-minute job that may start 15 s from now and must end 70 s later: `powerml plan
    // --emit slurm` prints the sbatch line with the planned start as --begin.
    const UtcMillis earliest = (utc_now_ms() / 1000 + 15) * 1000;
    dir.write("job.toml", "[job]\nname = \"powerml-planned\"\nduration = \"1m\"\npower_w = 100\nearliest_start = \"" +
                              format_rfc3339(earliest) + "\"\ndeadline = \"" + format_rfc3339(earliest + 70'000) +
                              "\"\nscript = \"" + (dir.path() / "job.sh").string() +
                              "\"\n\n[[site]]\nname = \"here\"\nzone = \"CY\"\ncurrent = true\n");
    const auto plan = test::run_powerml({"plan", "--job", (dir.path() / "job.toml").string(), "--emit", "slurm"});
    ASSERT_EQ(plan.exit_code, 0) << plan.err;
    std::smatch sm;
    ASSERT_TRUE(std::regex_search(plan.out, sm, std::regex("(TZ=UTC sbatch --begin=(\\S+) .*)"))) << plan.out;
    const std::string line = sm[1].str();
    const UtcMillis planned = slurm_time(sm[2].str());
    EXPECT_GE(planned, earliest);
    EXPECT_LE(planned, earliest + 10'000);
    const auto submitted = test::run_process({"/bin/sh", "-c", line}, cluster.env());
    ASSERT_EQ(submitted.exit_code, 0) << line << "\n" << submitted.err;
    EXPECT_NE(submitted.out.find("Submitted batch job"), std::string::npos);
    std::smatch m;
    ASSERT_TRUE(std::regex_search(submitted.out, m, std::regex("Submitted batch job (\\d+)"))) << submitted.out;
    const std::string job_id = m[1].str();

    // Pending until its begin time, which Slurm shows as StartTime.
    EXPECT_EQ(cluster.field(job_id, "JobState"), "PENDING");
    EXPECT_EQ(slurm_time(cluster.field(job_id, "StartTime")), planned);
    ASSERT_TRUE(test::wait_for(60, [&] { return cluster.field(job_id, "JobState") == "COMPLETED"; }))
        << "job state " << cluster.field(job_id, "JobState") << ", reason " << cluster.field(job_id, "Reason");
    const UtcMillis started = slurm_time(cluster.field(job_id, "StartTime"));
    EXPECT_GE(started, planned);
    EXPECT_LE(started, planned + 5'000) << "sched_interval=2,bf_interval=1 start a due job within seconds";

    const auto summary = nlohmann::json::parse(test::read_file(out / "summary.json"));
    EXPECT_EQ(summary["labels"]["slurm_job_id"], job_id);
    EXPECT_EQ(summary["labels"]["slurm_job_name"], "powerml-planned");
    EXPECT_EQ(summary["exit_status"], 0);
    EXPECT_GT(summary["energy_j"]["gross"].get<double>(), 0.0);
    // The run store has it too, and `powerml runs show` gives the same labels.
    const auto shown = test::run_powerml({"runs", "--db", db.string(), "show", summary["run_id"].get<std::string>()});
    ASSERT_EQ(shown.exit_code, 0) << shown.err;
    EXPECT_EQ(nlohmann::json::parse(shown.out)["labels"]["slurm_job_id"], job_id);
}

TEST(SlurmIntegrationTest, SrunTwoTasksOnOneNodeAreMeteredOnce) {
    test::TempDir dir;
    SlurmCluster cluster(dir.path() / "slurm");
    if (const std::string why = cluster.start(); !why.empty()) GTEST_SKIP() << why;
    // The node's package at 35 W on a fake powercap tree; two tasks of one step on the node.
    const auto zone = dir.path() / "sys" / "class" / "powercap" / "intel-rapl:0";
    std::filesystem::create_directories(zone);
    dir.write("sys/class/powercap/intel-rapl:0/name", "package-0\n");
    dir.write("sys/class/powercap/intel-rapl:0/max_energy_range_uj", "262143328850\n");
    test::CounterWriter writer(zone / "energy_uj", "", 35.0, 35.0);
    const auto runtime = dir.path() / "runtime";
    std::filesystem::create_directories(runtime);
    ::chmod(runtime.c_str(), 0700);
    const auto db = dir.path() / "runs.sqlite";
    const std::string powerml = POWERML_BINARY;
    dir.write("step.sh", "#!/bin/sh\n" + powerml + " mark epoch-1\nsleep $((1 + SLURM_PROCID))\n" + powerml + " mark --end epoch-1\n");
    ::chmod((dir.path() / "step.sh").c_str(), 0755);
    dir.write("job.sh", "#!/bin/sh\n#SBATCH -n 2\n#SBATCH --output=" + (dir.path() / "slurm-%j.out").string() +
                            "\nexport POWERML_SYSFS_ROOT=" + (dir.path() / "sys").string() + " POWERML_RUNTIME_DIR=" + runtime.string() +
                            " XDG_DATA_HOME=" + (dir.path() / "xdg").string() + "\nsrun -n 2 " + powerml +
                            " measure -q --interval 50 --db " + db.string() + " -- " + (dir.path() / "step.sh").string() + "\n");
    ::chmod((dir.path() / "job.sh").c_str(), 0755);
    const auto submitted = test::run_process({"/usr/bin/sbatch", (dir.path() / "job.sh").string()}, cluster.env());
    ASSERT_EQ(submitted.exit_code, 0) << submitted.err;
    std::smatch m;
    ASSERT_TRUE(std::regex_search(submitted.out, m, std::regex("Submitted batch job (\\d+)"))) << submitted.out;
    const std::string job_id = m[1].str();
    ASSERT_TRUE(test::wait_for(60, [&] { return cluster.field(job_id, "JobState") == "COMPLETED"; }))
        << "job state " << cluster.field(job_id, "JobState") << ", reason " << cluster.field(job_id, "Reason") << "\n"
        << test::read_file(dir.path() / ("slurm-" + job_id + ".out"));

    // Step 0 of the job: one run (one meter), both tasks' phases in it, the node's power once.
    const auto shown = test::run_powerml({"runs", "--db", db.string(), "job", "slurm:" + job_id + ".0", "--format", "json"});
    ASSERT_EQ(shown.exit_code, 0) << shown.err << shown.out << test::read_file(dir.path() / ("slurm-" + job_id + ".out"));
    const auto job = nlohmann::json::parse(shown.out);
    ASSERT_EQ(job["nodes"].size(), 1u);
    EXPECT_EQ(job["nodes"][0]["node"], "localhost");
    ASSERT_EQ(job["nodes"][0]["runs"].size(), 1u) << shown.out;
    EXPECT_EQ(job["ranks_reported"], 2);
    EXPECT_EQ(job["world_size"], 2);
    EXPECT_EQ(job["missing_nodes"].size(), 0u);
    const auto run = nlohmann::json::parse(test::run_powerml({"runs", "--db", db.string(), "show", job["nodes"][0]["runs"][0]}).out);
    std::set<std::string> phases;
    for (const auto& p : run["phases"]) phases.insert(p["name"]);
    EXPECT_EQ(phases, (std::set<std::string>{"rank0/epoch-1", "rank1/epoch-1"}));
    for (const auto& c : run["components"])
        if (c["name"] == "package-0") EXPECT_NEAR(c["mean_power_w"].get<double>(), 35.0, 3.5) << run.dump();
    EXPECT_GE(run["duration_s"].get<double>(), 2.0) << "the meter waits for the longer task";
    EXPECT_EQ(run["job"]["source"], "slurm");
}

}  // namespace
