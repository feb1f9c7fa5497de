#include "powerml/analysis/attribution.hpp"

#include <algorithm>
#include <cmath>
#include <optional>

#include <fmt/format.h>

#include "powerml/analysis/run_summary.hpp"

namespace powerml::analysis {

using record::Component;
using record::Timeline;

namespace {

std::optional<std::size_t> find_channel(const Timeline& timeline, std::string_view name, int domain_idx = 0) {
    for (std::size_t c = 0; c < timeline.channels.size(); ++c)
        if (timeline.channels[c].info.name == name && timeline.channels[c].info.domain_idx == domain_idx) return c;
    return std::nullopt;
}

// The job's share in each stretch between two reads of the CPU-time counters. The process tree
// and the machine's busy time are read together every few samples; rows in between repeat the
// last reading, so a share is only meaningful over a whole stretch between two reads.
struct Stretch {
    double from_s = 0, to_s = 0;
    double job_cpu_s = 0, machine_cpu_s = 0;
    double cpu_share = 0;     // job / machine, 0..1
    double memory_share = 0;  // job resident memory / machine memory in use, at the stretch's end, 0..1
};

std::vector<Stretch> stretches(const Timeline& timeline, std::size_t job_c, std::size_t machine_c,
                               std::optional<std::size_t> rss_c, std::optional<std::size_t> mem_c) {
    struct Knot {
        double t, job, machine, memory_share;
    };
    std::vector<Knot> knots;
    for (const auto& row : timeline.rows) {
        const double job = row.values[job_c], machine = row.values[machine_c];
        if (!std::isfinite(machine) || !std::isfinite(job)) continue;
        if (!knots.empty() && machine == knots.back().machine && job == knots.back().job) continue;  // no new read
        double memory_share = 0;
        if (rss_c && mem_c) {
            const double rss = row.values[*rss_c], used = row.values[*mem_c];
            if (std::isfinite(rss) && std::isfinite(used) && used > 0) memory_share = std::clamp(rss / used, 0.0, 1.0);
        }
        knots.push_back({row.t_s, job, machine, memory_share});
    }
    std::vector<Stretch> out;
    for (std::size_t k = 1; k < knots.size(); ++k) {
        Stretch s;
        s.from_s = knots[k - 1].t;
        s.to_s = knots[k].t;
        // A counter that went back (the job's tree lost a process not yet waited for): no CPU time.
        s.job_cpu_s = std::max(0.0, knots[k].job - knots[k - 1].job);
        s.machine_cpu_s = std::max(0.0, knots[k].machine - knots[k - 1].machine);
        // The machine's busy time contains the job's: a share above 1 is counting noise (clock
        // ticks read a moment apart), capped so that no job is charged more than the machine.
        s.cpu_share = s.machine_cpu_s > 0 ? std::clamp(s.job_cpu_s / s.machine_cpu_s, 0.0, 1.0) : 0.0;
        s.memory_share = knots[k].memory_share;
        out.push_back(s);
    }
    return out;
}

struct Context {
    const Timeline* timeline = nullptr;
    std::vector<Stretch> stretches;
    record::AttributionPolicy policy;
    std::optional<double> allocated_share;
    bool idle_known = false;  // an idle baseline was measured and was idle
};

// The stretch containing time t (rows lie inside one stretch: stretches start and end at rows).
const Stretch* stretch_at(const Context& ctx, double t) {
    const auto& s = ctx.stretches;
    auto it = std::upper_bound(s.begin(), s.end(), t, [](double x, const Stretch& st) { return x < st.to_s; });
    if (it == s.end()) {
        if (!s.empty() && t <= s.back().to_s + 1e-9) return &s.back();
        return nullptr;
    }
    return t >= it->from_s - 1e-9 ? &*it : nullptr;
}

struct Split {
    double active_j = 0, idle_j = 0;
    double active_machine_j = 0;  // the machine's power above idle in the window (what the share was applied to)
    double share_weighted = 0;    // sum of share x active energy, for the mean share
};

// The job's share of channel c's energy over [from, to], interval by interval.
Split split_channel(const Context& ctx, std::size_t c, double idle_power_w, bool by_memory, double from, double to) {
    const auto& rows = ctx.timeline->rows;
    Split out;
    for (std::size_t i = 1; i < rows.size(); ++i) {
        const double a = rows[i - 1].t_s, b = rows[i].t_s;
        if (b <= from || a >= to || b <= a) continue;
        const double lo = std::max(a, from), hi = std::min(b, to);
        const double energy = rows[i].energy_j[c] * (hi - lo) / (b - a);
        if (!(energy > 0)) continue;
        const double idle = std::min(energy, idle_power_w * (hi - lo));
        const double active = energy - idle;
        const Stretch* st = stretch_at(ctx, 0.5 * (a + b));
        const double share = st ? (by_memory ? st->memory_share : st->cpu_share) : 0.0;
        out.active_j += share * active;
        out.active_machine_j += active;
        out.share_weighted += share * active;
        switch (ctx.policy.idle) {
            case record::IdleShare::busy: out.idle_j += share * idle; break;
            case record::IdleShare::allocated: out.idle_j += ctx.allocated_share.value_or(share) * idle; break;
            case record::IdleShare::none: break;
        }
    }
    return out;
}

std::string idle_words(const Context& ctx) {
    if (!ctx.idle_known) return "no idle baseline to split: all power split by cpu-time share";
    switch (ctx.policy.idle) {
        case record::IdleShare::busy: return "idle by busy share";
        case record::IdleShare::allocated: return ctx.allocated_share ? "idle by allocated-CPU share" : "idle by busy share (no allocation read)";
        case record::IdleShare::none: return "idle not charged";
    }
    return "";
}

}  // namespace

std::optional<record::BaselineIdleness> baseline_idleness(const Timeline& timeline) {
    if (timeline.baseline_end_s <= 0) return std::nullopt;
    const auto util_c = find_channel(timeline, "PROCFS::CPU_UTIL", 0);
    if (!util_c) return std::nullopt;
    std::vector<double> values;
    for (std::size_t i = 1; i < timeline.rows.size(); ++i) {
        const auto& row = timeline.rows[i];
        if (row.t_s > timeline.baseline_end_s + 1e-9) break;
        if (std::isfinite(row.values[*util_c])) values.push_back(row.values[*util_c]);
    }
    if (values.empty()) return std::nullopt;
    record::BaselineIdleness b;
    for (const double v : values) b.cpu_util_mean += v;
    b.cpu_util_mean /= static_cast<double>(values.size());
    double ss = 0;
    for (const double v : values) ss += (v - b.cpu_util_mean) * (v - b.cpu_util_mean);
    b.cpu_util_sd = values.size() > 1 ? std::sqrt(ss / static_cast<double>(values.size() - 1)) : 0.0;
    // The job had not started: every busy CPU-second of the baseline was another process's.
    if (const auto machine_c = find_channel(timeline, "PROCFS::MACHINE_CPU_TIME")) {
        const auto a = counter_at(timeline, *machine_c, 0.0), z = counter_at(timeline, *machine_c, timeline.baseline_end_s);
        if (a && z) b.busy_cpu_s = std::max(0.0, *z - *a);
    }
    b.threshold = k_busy_baseline_cpu_util;
    b.busy = b.cpu_util_mean > b.threshold;
    return b;
}

void attribute(const Timeline& timeline, const record::AttributionPolicy& policy, record::RunSummary& summary) {
    // The job's cgroup when there is one (every process in it, however started), else its process tree.
    const auto cgroup_c = find_channel(timeline, "PROCFS::CGROUP_CPU_TIME");
    const auto job_c = cgroup_c ? cgroup_c : find_channel(timeline, "PROCFS::PROCESS_CPU_TIME");
    const auto machine_c = find_channel(timeline, "PROCFS::MACHINE_CPU_TIME");
    if (!job_c || !machine_c) return;  // no CPU times: nothing to attribute by (the machine's figures stand)
    const double from = timeline.job_start_s, to = std::max(timeline.job_end_s, from);
    Context ctx;
    ctx.timeline = &timeline;
    ctx.policy = policy;
    ctx.stretches = stretches(timeline, *job_c, *machine_c, find_channel(timeline, "PROCFS::PROCESS_RSS"),
                              find_channel(timeline, "PROCFS::MEM_USED"));
    if (ctx.stretches.empty()) return;
    const auto& usage = summary.usage;
    if (usage.allowed_cpus_mean && usage.cpu_count && *usage.cpu_count > 0)
        ctx.allocated_share = std::clamp(*usage.allowed_cpus_mean / *usage.cpu_count, 0.0, 1.0);
    ctx.idle_known = timeline.baseline_end_s > 0 && !summary.quality.baseline_not_idle;

    record::RunAttribution run;
    run.scope = cgroup_c ? timeline.channels[*cgroup_c].info.domain : "process-tree";
    run.policy = policy;
    run.allocated_share = ctx.allocated_share;
    for (const auto& st : ctx.stretches) {
        const double lo = std::max(st.from_s, from), hi = std::min(st.to_s, to);
        if (hi <= lo || st.to_s <= st.from_s) continue;
        const double f = (hi - lo) / (st.to_s - st.from_s);
        run.job_cpu_s += f * st.job_cpu_s;
        run.machine_busy_cpu_s += f * st.machine_cpu_s;
    }
    run.cpu_share = run.machine_busy_cpu_s > 0 ? std::clamp(run.job_cpu_s / run.machine_busy_cpu_s, 0.0, 1.0) : 0.0;
    if (usage.process_rss_mean_b && usage.mem_used_mean_b && *usage.mem_used_mean_b > 0)
        run.memory_share = std::clamp(*usage.process_rss_mean_b / *usage.mem_used_mean_b, 0.0, 1.0);
    // The share's own error from clock ticks: about two ticks (1/100 s) per read of each counter.
    const double tick_s = 0.01;
    const double share_resolution = run.machine_busy_cpu_s > 0
                                        ? std::min(1.0, 2.0 * tick_s * std::sqrt(2.0 * static_cast<double>(ctx.stretches.size())) /
                                                            run.machine_busy_cpu_s)
                                        : 0.0;

    const std::string idle = idle_words(ctx);
    for (std::size_t c = 0, k = 0; c < timeline.channels.size(); ++c) {
        const auto& channel = timeline.channels[c];
        if (channel.energy_kind == record::EnergyKind::none) continue;
        record::ComponentEnergy& e = summary.components[k++];
        record::Attributed a;
        if (e.component == Component::gpu) {
            // A GPU the job was given (--gpus, CUDA_VISIBLE_DEVICES) is the job's whole device.
            a.energy_j = e.gross_j;
            a.active_j = e.net_j > 0 ? e.net_j : 0.0;
            a.idle_j = a.energy_j - a.active_j;
            a.share = 1.0;
            a.uncertainty_j = e.uncertainty_j;
            a.method = "whole device: selected for the job";
        } else {
            const bool by_memory = e.component == Component::dram && policy.dram == record::DramShare::memory;
            const double idle_w = ctx.idle_known ? e.baseline_power_w : 0.0;
            const Split split = split_channel(ctx, c, idle_w, by_memory, from, to);
            a.active_j = split.active_j;
            a.idle_j = split.idle_j;
            a.energy_j = a.active_j + a.idle_j;
            a.share = split.active_machine_j > 0 ? split.share_weighted / split.active_machine_j
                                                 : (by_memory ? run.memory_share.value_or(0.0) : run.cpu_share);
            // 1 sigma: the machine's own error scaled by the share, the split's error (energy per
            // CPU-second differs between processes; zero when the job had the machine to
            // itself, growing with the others' share), and the share's tick resolution.
            const double machine_part = a.share * e.uncertainty_j;
            const double split_part = std::sqrt(2.0) * k_energy_per_cpu_second_spread * (1.0 - a.share) * a.active_j;
            const double resolution_part = share_resolution * split.active_machine_j;
            a.uncertainty_j = std::sqrt(machine_part * machine_part + split_part * split_part + resolution_part * resolution_part);
            a.method = fmt::format("{} share of active power per interval; {}", by_memory ? "resident-memory" : "cpu-time", idle);
        }
        if (e.summed) {
            run.machine_j += e.gross_j;
            run.attributed_j += a.energy_j;
            run.uncertainty_j += a.uncertainty_j;  // summed linearly: the components' errors share a cause (the share)
        }
        e.attributed = std::move(a);
    }
    // The job never gets more than the machine: each interval's share is at most 1 of energy
    // actually used, so this holds by construction; the rest is other tenants and idle.
    run.attributed_j = std::min(run.attributed_j, run.machine_j);
    run.others_and_idle_j = std::max(0.0, run.machine_j - run.attributed_j);
    run.headline = summary.quality.baseline_not_idle || run.cpu_share < k_shared_machine_share;
    run.method = fmt::format("cpu-time share of active power per interval; {}; dram by {} share", idle,
                             policy.dram == record::DramShare::memory ? "resident-memory" : "cpu-time");

    for (auto& phase : summary.phases) {
        const double pf = phase.start_s + from, pt = phase.end_s + from;
        double total = 0;
        for (std::size_t c = 0, k = 0; c < timeline.channels.size(); ++c) {
            const auto& channel = timeline.channels[c];
            if (channel.energy_kind == record::EnergyKind::none) continue;
            const auto& e = summary.components[k++];
            if (!e.summed) continue;
            if (e.component == Component::gpu) {
                total += channel_energy(timeline, c, pf, pt);
                continue;
            }
            const bool by_memory = e.component == Component::dram && policy.dram == record::DramShare::memory;
            const Split split = split_channel(ctx, c, ctx.idle_known ? e.baseline_power_w : 0.0, by_memory, pf, pt);
            total += split.active_j + split.idle_j;
        }
        phase.attributed_j = total;
    }

    if (policy.idle == record::IdleShare::allocated && ctx.allocated_share && *ctx.allocated_share >= 1.0)
        summary.notes.push_back("--idle-share allocated: the job may run on every CPU, so it is charged all idle power; "
                                "jobs measured at once without cpusets then overcount idle (use --idle-share busy)");
    summary.attribution = std::move(run);
}

}  // namespace powerml::analysis
