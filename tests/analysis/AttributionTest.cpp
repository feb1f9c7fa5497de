// The job's attributed share on a scripted shared machine: known power, known CPU times.
#include <gtest/gtest.h>

#include <cmath>

#include "powerml/analysis/attribution.hpp"
#include "powerml/analysis/run_summary.hpp"

using namespace powerml;
using namespace powerml::record;
using namespace powerml::analysis;

namespace {

Channel usage_channel(const std::string& name, int idx, Unit unit, SignalKind kind) {
    Channel c;
    c.source = "procfs";
    c.info.name = name;
    c.info.domain_idx = idx;
    c.info.domain = name + std::to_string(idx);
    c.info.unit = unit;
    c.info.kind = kind;
    return c;
}

struct Machine {
    double idle_w = 10, busy_w = 30;  // package power in the baseline, and during the job
    double baseline_util = 0.02;      // machine CPU utilisation during the baseline
    double job_share = 0.25;          // the job's share of the machine's busy CPU time
    double allowed_cpus = 2;          // of 2
};

// Rows every 0.5 s; baseline [0, 2], job [2, 12]. The machine's two CPUs are fully busy during
// the job (1 CPU-s per row); the job's tree uses `job_share` of that.
Timeline scripted(const Machine& m) {
    Timeline t;
    t.interval_s = 0.5;
    t.baseline_end_s = 2.0;
    t.job_start_s = 2.0;
    t.job_end_s = 12.0;
    Channel pkg;
    pkg.source = "rapl";
    pkg.info.name = "RAPL::PKG_ENERGY";
    pkg.info.domain = "package-0";
    pkg.info.unit = Unit::joule;
    pkg.info.kind = SignalKind::counter;
    pkg.info.component = Component::cpu;
    pkg.energy_kind = EnergyKind::counter;
    pkg.summed = true;
    t.channels = {pkg,
                  usage_channel("PROCFS::CPU_UTIL", 0, Unit::ratio, SignalKind::gauge),
                  usage_channel("PROCFS::CPU_UTIL", 1, Unit::ratio, SignalKind::gauge),
                  usage_channel("PROCFS::CPU_UTIL", 2, Unit::ratio, SignalKind::gauge),
                  usage_channel("PROCFS::PROCESS_CPU_TIME", 0, Unit::second, SignalKind::counter),
                  usage_channel("PROCFS::MACHINE_CPU_TIME", 0, Unit::second, SignalKind::counter),
                  usage_channel("PROCFS::ALLOWED_CPUS", 0, Unit::count, SignalKind::gauge)};
    double job_cpu = 0, machine_cpu = 100;
    for (int i = 0; i <= 24; ++i) {
        const double t_s = 0.5 * i;
        const bool in_job = t_s > 2.0;
        if (i > 0) {
            machine_cpu += in_job ? 1.0 : 2 * 0.5 * m.baseline_util;
            if (in_job) job_cpu += m.job_share * 1.0;
        }
        const double util = in_job ? 1.0 : m.baseline_util;
        SampleRow r;
        r.t_s = t_s;
        r.values = {0, util, util, util, job_cpu, machine_cpu, t_s >= 2.0 ? m.allowed_cpus : NAN};
        r.energy_j = {i == 0 ? 0.0 : 0.5 * (in_job ? m.busy_w : m.idle_w), 0, 0, 0, 0, 0, 0};
        t.rows.push_back(r);
    }
    t.phases = {{2, 0, "train", true}, {7, 0, "train", false}};
    return t;
}

}  // namespace

TEST(AttributionTest, CpuTimeShareOfActivePowerAndIdleByBusyShare) {
    const auto s = summarize(scripted({}));
    ASSERT_TRUE(s.attribution);
    const auto& a = *s.attribution;
    // 10 s at 30 W = 300 J on the machine; 20 W above idle x 25 % = 50 J, idle 10 W x 25 % = 25 J.
    EXPECT_NEAR(a.machine_j, 300.0, 1e-9);
    EXPECT_NEAR(a.cpu_share, 0.25, 1e-9);
    EXPECT_NEAR(a.job_cpu_s, 5.0, 1e-9);
    EXPECT_NEAR(a.machine_busy_cpu_s, 20.0, 1e-9);
    ASSERT_TRUE(s.components[0].attributed);
    EXPECT_NEAR(s.components[0].attributed->active_j, 50.0, 1e-9);
    EXPECT_NEAR(s.components[0].attributed->idle_j, 25.0, 1e-9);
    EXPECT_NEAR(a.attributed_j, 75.0, 1e-9);
    EXPECT_NEAR(a.others_and_idle_j, 225.0, 1e-9);
    EXPECT_NE(a.method.find("cpu-time share"), std::string::npos);
    EXPECT_NE(a.method.find("idle by busy share"), std::string::npos);
    EXPECT_TRUE(a.headline);  // others used 75 % of the busy CPU time
    // The split's error: sqrt(2) x 0.25 x (1 - 0.25) x 50 J = 13.26 J (machine and ticks add little).
    EXPECT_NEAR(a.uncertainty_j, std::sqrt(2.0) * 0.25 * 0.75 * 50.0, 0.5);
    // The phase train [2, 7]: half the job.
    ASSERT_EQ(s.phases.size(), 1u);
    ASSERT_TRUE(s.phases[0].attributed_j);
    EXPECT_NEAR(*s.phases[0].attributed_j, 37.5, 1e-9);
    EXPECT_FALSE(s.quality.baseline_not_idle);
}

TEST(AttributionTest, IdlePoliciesAreStatedAndApplied) {
    Machine m;
    m.allowed_cpus = 1;  // a cpuset of one CPU of two
    AttributionPolicy none{IdleShare::none, DramShare::cpu};
    const auto s_none = summarize(scripted(m), none);
    EXPECT_NEAR(s_none.attribution->attributed_j, 50.0, 1e-9);
    EXPECT_NE(s_none.attribution->method.find("idle not charged"), std::string::npos);
    AttributionPolicy allocated{IdleShare::allocated, DramShare::cpu};
    const auto s_alloc = summarize(scripted(m), allocated);
    ASSERT_TRUE(s_alloc.attribution->allocated_share);
    EXPECT_NEAR(*s_alloc.attribution->allocated_share, 0.5, 1e-9);
    EXPECT_NEAR(s_alloc.attribution->attributed_j, 50.0 + 0.5 * 100.0, 1e-9);
    EXPECT_NE(s_alloc.attribution->method.find("allocated-CPU share"), std::string::npos);
}

TEST(AttributionTest, ASleepingJobIsChargedNothingForActivePower) {
    Machine m;
    m.job_share = 0;
    const auto s = summarize(scripted(m));
    ASSERT_TRUE(s.attribution);
    EXPECT_EQ(s.components[0].attributed->active_j, 0.0);
    EXPECT_EQ(s.attribution->attributed_j, 0.0);
    EXPECT_NEAR(s.attribution->others_and_idle_j, 300.0, 1e-9);
}

TEST(AttributionTest, UncertaintyGrowsWithTheOtherTenantsShare) {
    auto relative = [](double share) {
        Machine m;
        m.job_share = share;
        const auto s = summarize(scripted(m));
        return s.attribution->uncertainty_j / s.attribution->attributed_j;
    };
    EXPECT_GT(relative(0.2), relative(0.5));
    EXPECT_GT(relative(0.5), relative(0.9));
    EXPECT_LT(relative(1.0), 0.01);  // alone on the machine: only the machine's own error
}

TEST(AttributionTest, JobsWhoseSharesFillTheMachineSumToItAndNoMore) {
    double sum = 0, machine = 0;
    for (const double share : {0.3, 0.2, 0.2, 0.15, 0.15}) {
        Machine m;
        m.job_share = share;
        const auto s = summarize(scripted(m));
        sum += s.attribution->attributed_j;
        machine = s.attribution->machine_j;
    }
    EXPECT_LE(sum, machine + 1e-9);
    EXPECT_NEAR(sum, machine, 1e-6);  // every CPU-second was one of theirs: nothing left over
}

TEST(AttributionTest, ABusyBaselineIsFlaggedAndTheWholePowerIsSplit) {
    Machine m;
    m.baseline_util = 0.6;
    const auto s = summarize(scripted(m));
    ASSERT_TRUE(s.baseline_idleness);
    EXPECT_TRUE(s.baseline_idleness->busy);
    EXPECT_NEAR(s.baseline_idleness->cpu_util_mean, 0.6, 1e-9);
    EXPECT_NEAR(s.baseline_idleness->busy_cpu_s, 2.0 * 2.0 * 0.6, 1e-9);
    EXPECT_TRUE(s.quality.baseline_not_idle);
    EXPECT_TRUE(s.attribution->headline);
    // The baseline's power is not idle power: the whole 300 J is split by CPU-time share.
    EXPECT_NEAR(s.attribution->attributed_j, 0.25 * 300.0, 1e-9);
    EXPECT_NE(s.attribution->method.find("no idle baseline"), std::string::npos);

    const auto idle = summarize(scripted({}));
    ASSERT_TRUE(idle.baseline_idleness);
    EXPECT_FALSE(idle.baseline_idleness->busy);
    EXPECT_FALSE(idle.quality.baseline_not_idle);
}

TEST(AttributionTest, NoCpuTimesNoAttribution) {
    Timeline t = scripted({});
    t.channels.resize(4);
    for (auto& r : t.rows) {
        r.values.resize(4);
        r.energy_j.resize(4);
    }
    const auto s = summarize(t);
    EXPECT_FALSE(s.attribution);
    EXPECT_FALSE(s.components[0].attributed);
}
