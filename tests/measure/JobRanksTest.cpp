// Which job a process belongs to, the node-local election of its meter, and a job summed
// across nodes.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <map>
#include <string>

#include "powerml/analysis/job_summary.hpp"
#include "powerml/analysis/run_summary.hpp"
#include "powerml/core/error.hpp"
#include "powerml/measure/job_ranks.hpp"
#include "support/temp_dir.hpp"

using namespace powerml;
using measure::NodeElection;

namespace {

// Sets the launcher's variables for the test's scope, clearing every other one this reads.
class ScopedLauncherEnv {
public:
    explicit ScopedLauncherEnv(const std::map<std::string, std::string>& vars) {
        for (const char* name : {"POWERML_JOB_KEY", "POWERML_NODE", "POWERML_JOB_NODES", "TORCHELASTIC_RUN_ID", "MASTER_ADDR",
                                 "MASTER_PORT", "RANK", "LOCAL_RANK", "WORLD_SIZE", "LOCAL_WORLD_SIZE", "SLURM_JOB_ID",
                                 "SLURM_STEP_ID", "SLURM_PROCID", "SLURM_LOCALID", "SLURM_NODEID", "SLURMD_NODENAME",
                                 "SLURM_NTASKS", "SLURM_STEP_NUM_TASKS", "SLURM_NTASKS_PER_NODE", "SLURM_STEP_TASKS_PER_NODE",
                                 "SLURM_TASKS_PER_NODE", "SLURM_STEP_NODELIST", "SLURM_JOB_NODELIST", "PMIX_NAMESPACE",
                                 "OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_LOCAL_RANK", "OMPI_COMM_WORLD_SIZE",
                                 "OMPI_COMM_WORLD_LOCAL_SIZE", "LOCAL_SIZE"}) {
            if (const char* v = std::getenv(name)) m_saved[name] = v;
            ::unsetenv(name);
        }
        for (const auto& [k, v] : vars) ::setenv(k.c_str(), v.c_str(), 1);
        m_set = vars;
    }
    ~ScopedLauncherEnv() {
        for (const auto& [k, v] : m_set) ::unsetenv(k.c_str());
        for (const auto& [k, v] : m_saved) ::setenv(k.c_str(), v.c_str(), 1);
    }

private:
    std::map<std::string, std::string> m_saved, m_set;
};

}  // namespace

TEST(JobIdentityTest, TorchrunKeyIncludesTheRendezvousEndpointAndLocalRankWinsOverSlurm) {
    // srun starting torchrun: every rank inherits the one task's SLURM_LOCALID=0.
    ScopedLauncherEnv env({{"TORCHELASTIC_RUN_ID", "none"}, {"MASTER_ADDR", "10.0.0.1"}, {"MASTER_PORT", "29500"},
                           {"RANK", "3"}, {"LOCAL_RANK", "1"}, {"WORLD_SIZE", "4"}, {"LOCAL_WORLD_SIZE", "2"},
                           {"SLURM_JOB_ID", "77"}, {"SLURM_LOCALID", "0"}, {"SLURM_PROCID", "0"},
                           {"SLURM_JOB_NODELIST", "gpu[01-02]"}, {"SLURMD_NODENAME", "gpu02"}});
    const auto job = measure::job_from_environment(std::nullopt, "host");
    ASSERT_TRUE(job);
    EXPECT_EQ(job->key, "torchrun:none@10.0.0.1:29500");
    EXPECT_EQ(job->source, "torchrun");
    EXPECT_EQ(job->node, "gpu02");
    EXPECT_EQ(job->local_world_size, 2);
    EXPECT_EQ(job->world_size, 4);
    EXPECT_EQ(job->expected_nodes, (std::vector<std::string>{"gpu01", "gpu02"}));
    const auto place = measure::rank_from_environment();
    EXPECT_EQ(place.rank, 3);
    EXPECT_EQ(place.local_rank, 1);
}

TEST(JobIdentityTest, SlurmStepTasksPerNodeAndFlagPrecedence) {
    ScopedLauncherEnv env({{"SLURM_JOB_ID", "4242"}, {"SLURM_STEP_ID", "0"}, {"SLURM_NODEID", "2"},
                           {"SLURM_STEP_TASKS_PER_NODE", "4(x2),1"}, {"SLURM_STEP_NUM_TASKS", "9"},
                           {"SLURM_STEP_NODELIST", "n[1-3]"}});
    const auto job = measure::job_from_environment(std::nullopt, "n3");
    ASSERT_TRUE(job);
    EXPECT_EQ(job->key, "slurm:4242.0");
    EXPECT_EQ(job->local_world_size, 1);  // the third node has one task
    EXPECT_EQ(job->world_size, 9);
    EXPECT_EQ(job->node, "n3");
    EXPECT_EQ(measure::job_from_environment(std::string("mine"), "n3")->key, "mine");
    EXPECT_EQ(measure::job_from_environment(std::string("mine"), "n3")->source, "flag");
    EXPECT_THROW(measure::job_from_environment(std::string("bad\nkey"), "n3"), Error);
    EXPECT_THROW(measure::job_from_environment(std::string(201, 'k'), "n3"), Error);
}

TEST(JobIdentityTest, DeepSpeedStyleLaunchersWithoutARunIdShareTheRendezvousEndpoint) {
    ScopedLauncherEnv env({{"MASTER_ADDR", "10.0.0.9"}, {"MASTER_PORT", "29700"}, {"RANK", "1"}, {"LOCAL_RANK", "1"},
                           {"WORLD_SIZE", "2"}, {"LOCAL_SIZE", "2"}});
    const auto job = measure::job_from_environment(std::nullopt, "host");
    ASSERT_TRUE(job);
    EXPECT_EQ(job->key, "torch:10.0.0.9:29700");
    EXPECT_EQ(job->source, "torch");
    EXPECT_EQ(job->local_world_size, 2);
}

TEST(JobIdentityTest, NoLauncherNoJob) {
    ScopedLauncherEnv env({});
    EXPECT_FALSE(measure::job_from_environment(std::nullopt, "host"));
}

TEST(HostListTest, SlurmCompressedListsExpand) {
    using V = std::vector<std::string>;
    EXPECT_EQ(measure::expand_hostlist("node[01-03,07],gpu5"), (V{"node01", "node02", "node03", "node07", "gpu5"}));
    EXPECT_EQ(measure::expand_hostlist("a,b"), (V{"a", "b"}));
    EXPECT_EQ(measure::expand_hostlist("r[8-10]x"), (V{"r8x", "r9x", "r10x"}));
    EXPECT_EQ(measure::expand_hostlist(""), V{});
    for (const char* bad : {"n[1-", "n[3-1]", "n[a-b]", "n[1-99999999]", "n[]"}) EXPECT_THROW(measure::expand_hostlist(bad), Error) << bad;
}

TEST(NodeElectionTest, OneMeterPerJobAndNodeAndTheLockPassesOn) {
    test::TempDir dir;
    const auto runtime = dir.path() / "rt";
    ::setenv("POWERML_RUNTIME_DIR", runtime.c_str(), 1);
    {
        NodeElection first("job-a", "node-1"), second("job-a", "node-1"), other_node("job-a", "node-2");
        EXPECT_TRUE(first.try_become_meter());
        EXPECT_FALSE(second.try_become_meter());
        EXPECT_TRUE(other_node.try_become_meter());  // simulated nodes on one machine elect apart
        EXPECT_FALSE(second.published());
        first.publish({static_cast<int>(::getpid()), "/tmp/x/control", "run-1"});
        const auto where = second.published();
        ASSERT_TRUE(where);
        EXPECT_EQ(where->run_id, "run-1");
        EXPECT_EQ(where->control, "/tmp/x/control");
        first.resign();
        EXPECT_FALSE(second.published());  // nothing stale left behind
        EXPECT_TRUE(second.try_become_meter());
    }
    {
        // A meter that died without resigning: its file names a process that is gone.
        NodeElection meter("job-b", "n"), follower("job-b", "n");
        ASSERT_TRUE(meter.try_become_meter());
        meter.publish({999999999, "/tmp/x/control", "run-2"});
        EXPECT_FALSE(follower.published());
    }
    // Another user's (or a world-writable) runtime folder is refused.
    std::filesystem::permissions(runtime, std::filesystem::perms::all);
    EXPECT_THROW(NodeElection("job-c", "n"), Error);
    ::unsetenv("POWERML_RUNTIME_DIR");
}

TEST(PhaseLanesTest, RanksPhasesPairAndNestOnTheirOwn) {
    // rank0 opens train, rank1 opens its own train inside that time; rank0 ending train must
    // not close rank1's.
    record::Timeline t;
    t.interval_s = 1;
    t.job_start_s = 0;
    t.job_end_s = 10;
    t.phases = {{1, 0, "rank0/train", true},  {2, 0, "rank1/train", true}, {3, 0, "rank1/epoch-1", true},
                {5, 0, "rank0/train", false}, {6, 0, "rank1/epoch-1", false}, {8, 0, "rank1/train", false}};
    const auto s = analysis::summarize(t);
    ASSERT_EQ(s.phases.size(), 3u);
    std::map<std::string, const record::PhaseSummary*> by;
    for (const auto& p : s.phases) by[p.name] = &p;
    EXPECT_DOUBLE_EQ(by.at("rank0/train")->end_s, 5);
    EXPECT_DOUBLE_EQ(by.at("rank1/train")->end_s, 8);
    EXPECT_FALSE(by.at("rank1/train")->closed_at_exit);
    EXPECT_EQ(by.at("rank1/epoch-1")->parent, "rank1/train");
    EXPECT_EQ(by.at("rank1/train")->depth, 0);
    EXPECT_EQ(record::phase_lane("rank12/x"), "rank12");
    EXPECT_EQ(record::phase_lane("rankx/x"), "");
    EXPECT_EQ(record::phase_lane("rank/x"), "");
}

namespace {

record::RunRecord node_run(const std::string& id, const std::string& node, double gross, double baseline,
                           std::optional<double> g, std::optional<std::string> zone) {
    record::RunRecord r;
    r.id = id;
    r.host = node;
    r.started_utc_ms = 1'700'000'000'000;
    r.ended_utc_ms = r.started_utc_ms + 10'000;
    r.summary.gross_j = gross;
    r.summary.baseline_j = baseline;
    r.summary.net_j = gross - baseline;
    r.summary.uncertainty_j = 3;
    record::ComponentEnergy c;
    c.name = "package-0";
    c.component = record::Component::cpu;
    c.kind = record::EnergyKind::counter;
    c.summed = true;
    c.gross_j = gross;
    c.net_j = gross - baseline;
    r.summary.components = {c};
    record::PhaseSummary p;
    p.name = "rank0/epoch-1";
    p.start_s = 1;
    p.end_s = 2;
    p.net_j = 7;
    r.summary.phases = {p};
    r.carbon.g_co2e = g;
    r.carbon.zone = zone;
    r.carbon.g_co2e_uncertainty = g ? 0.4 : 0;
    r.carbon.basis = baseline > 0 ? record::EnergyBasis::net : record::EnergyBasis::gross;
    record::JobIdentity job;
    job.key = "k";
    job.node = node;
    job.local_world_size = 2;
    job.world_size = 6;
    job.expected_nodes = {"a", "b", "c"};
    job.ranks = {{0, 0, 1, true}, {1, 1, 2, false}};
    r.job = job;
    return r;
}

}  // namespace

TEST(JobSummaryTest, NodesAddEachWithItsOwnCarbonAndAMissingNodeIsNamed) {
    const auto job = analysis::summarize_job(
        "k", {node_run("r1", "a", 1000, 200, 0.05, "FR"), node_run("r2", "b", 3000, 600, 0.6, "PL")});
    ASSERT_EQ(job.nodes.size(), 2u);
    EXPECT_DOUBLE_EQ(job.gross_j, 4000);
    EXPECT_DOUBLE_EQ(job.net_j, 3200);
    EXPECT_NEAR(job.uncertainty_j, std::sqrt(18.0), 1e-12);  // in quadrature
    ASSERT_TRUE(job.g_co2e);
    EXPECT_NEAR(*job.g_co2e, 0.65, 1e-12);
    EXPECT_EQ(job.nodes[0].zone, "FR");
    EXPECT_EQ(job.nodes[1].zone, "PL");
    EXPECT_EQ(job.missing_nodes, std::vector<std::string>{"c"});
    EXPECT_FALSE(job.complete());
    EXPECT_EQ(job.ranks_reported, 4);
    EXPECT_EQ(job.world_size, 6);
    ASSERT_EQ(job.phases.size(), 2u);
    bool named = false;
    for (const auto& n : job.notes) named |= n.find("never reported (c)") != std::string::npos;
    EXPECT_TRUE(named);
}

TEST(JobSummaryTest, UnknownCarbonIsNeverASilentZeroAndMixedBasesAreSaid) {
    auto a = node_run("r1", "a", 1000, 200, 0.05, "FR");
    auto b = node_run("r2", "b", 3000, 0, std::nullopt, std::nullopt);
    a.job->expected_nodes.clear();
    b.job->expected_nodes.clear();
    const auto job = analysis::summarize_job("k", {a, b}, {"a", "b"});
    EXPECT_FALSE(job.g_co2e);
    EXPECT_FALSE(job.basis);
    EXPECT_TRUE(job.complete());
}
