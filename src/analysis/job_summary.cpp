#include "powerml/analysis/job_summary.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace powerml::analysis {

namespace {

// The basis shared by every item, or nothing when they differ.
template <typename Range, typename Get>
std::optional<record::EnergyBasis> common_basis(const Range& items, Get get) {
    std::optional<record::EnergyBasis> basis;
    bool first = true;
    for (const auto& item : items) {
        const std::optional<record::EnergyBasis> b = get(item);
        if (first) basis = b;
        else if (basis != b) return std::nullopt;
        first = false;
    }
    return basis;
}

}  // namespace

record::JobSummary summarize_job(const std::string& key, const std::vector<record::RunRecord>& runs,
                                 const std::vector<std::string>& expected_nodes) {
    record::JobSummary job;
    job.key = key;
    std::map<std::string, std::vector<const record::RunRecord*>> by_node;
    std::set<std::string> expected(expected_nodes.begin(), expected_nodes.end());
    for (const auto& run : runs) {
        const std::string node = run.job && !run.job->node.empty() ? run.job->node : run.host;
        by_node[node].push_back(&run);
        if (run.job) {
            expected.insert(run.job->expected_nodes.begin(), run.job->expected_nodes.end());
            job.world_size = std::max(job.world_size, run.job->world_size);
        }
    }
    double variance = 0, carbon_variance = 0;
    bool carbon_known = !by_node.empty();
    for (auto& [node, node_runs] : by_node) {
        std::sort(node_runs.begin(), node_runs.end(),
                  [](const auto* a, const auto* b) { return a->started_utc_ms < b->started_utc_ms; });
        record::JobNode n;
        n.node = node;
        double node_variance = 0, node_carbon_variance = 0;
        bool node_carbon_known = true;
        std::map<std::string, record::JobComponentEnergy> components;
        for (const auto* run : node_runs) {
            const auto& s = run->summary;
            n.run_ids.push_back(run->id);
            n.statuses.push_back(run->status);
            if (n.started_utc_ms == 0 || run->started_utc_ms < n.started_utc_ms) n.started_utc_ms = run->started_utc_ms;
            n.ended_utc_ms = std::max(n.ended_utc_ms, run->ended_utc_ms);
            n.gross_j += s.gross_j;
            n.baseline_j += s.baseline_j;
            n.net_j += s.net_j;
            node_variance += s.uncertainty_j * s.uncertainty_j;
            for (const auto& c : s.components) {
                if (!c.summed) continue;
                auto& sum = components[c.name];
                sum.name = c.name;
                sum.component = c.component;
                sum.kind = c.kind;
                sum.gross_j += c.gross_j;
                sum.net_j += c.net_j;
            }
            if (run->carbon.g_co2e) {
                n.g_co2e = n.g_co2e.value_or(0.0) + *run->carbon.g_co2e;
                node_carbon_variance += run->carbon.g_co2e_uncertainty * run->carbon.g_co2e_uncertainty;
            } else {
                node_carbon_known = false;
            }
            if (run->carbon.zone) {
                if (n.zone && *n.zone != *run->carbon.zone)
                    job.notes.push_back(fmt::format("node {} was measured in zones {} and {}", node, *n.zone, *run->carbon.zone));
                n.zone = run->carbon.zone;
            }
            if (run->job) {
                n.ranks += static_cast<int>(run->job->ranks.size());
                n.local_world_size = std::max(n.local_world_size, run->job->local_world_size);
                if (!run->job->took_over_from.empty())
                    job.notes.push_back(fmt::format(
                        "node {}: run {} took over from run {} whose meter died; the time between them is not measured",
                        node, run->id, run->job->took_over_from));
            }
            if (run->status != "finished")
                job.notes.push_back(fmt::format("node {}: run {} is {}: its energy is what was stored before powerml stopped",
                                                node, run->id, run->status));
            for (const auto& p : s.phases) {
                record::JobPhase phase;
                phase.node = node;
                phase.run_id = run->id;
                phase.name = p.name;
                phase.start_utc_ms = run->started_utc_ms + static_cast<UtcMillis>(std::llround(p.start_s * 1000.0));
                phase.end_utc_ms = run->started_utc_ms + static_cast<UtcMillis>(std::llround(p.end_s * 1000.0));
                phase.net_j = p.net_j;
                job.phases.push_back(std::move(phase));
            }
        }
        n.uncertainty_j = std::sqrt(node_variance);
        n.basis = common_basis(node_runs, [](const record::RunRecord* r) { return std::optional(r->carbon.basis); });
        if (!node_carbon_known) n.g_co2e.reset();
        n.g_co2e_uncertainty = n.g_co2e ? std::sqrt(node_carbon_variance) : 0.0;
        for (auto& [name, c] : components) n.components.push_back(std::move(c));
        if (n.ranks < n.local_world_size)
            job.notes.push_back(fmt::format("node {}: {} of the {} ranks expected there reported", node, n.ranks, n.local_world_size));
        job.gross_j += n.gross_j;
        job.baseline_j += n.baseline_j;
        job.net_j += n.net_j;
        variance += node_variance;
        if (n.g_co2e) {
            job.g_co2e = job.g_co2e.value_or(0.0) + *n.g_co2e;
            carbon_variance += node_carbon_variance;
        } else {
            carbon_known = false;
            job.notes.push_back(fmt::format("node {} has no carbon figure (no --zone): the job's carbon is not summed", node));
        }
        job.ranks_reported += n.ranks;
        if (job.started_utc_ms == 0 || n.started_utc_ms < job.started_utc_ms) job.started_utc_ms = n.started_utc_ms;
        job.ended_utc_ms = std::max(job.ended_utc_ms, n.ended_utc_ms);
        job.nodes.push_back(std::move(n));
    }
    job.uncertainty_j = std::sqrt(variance);
    if (!carbon_known) job.g_co2e.reset();
    job.g_co2e_uncertainty = job.g_co2e ? std::sqrt(carbon_variance) : 0.0;
    job.basis = common_basis(job.nodes, [](const record::JobNode& n) { return n.basis; });
    if (!job.basis && job.nodes.size() > 1)
        job.notes.push_back("the nodes' energy bases differ (some measured an idle baseline, some not): "
                            "the job's carbon adds each node's own basis");
    job.expected_nodes.assign(expected.begin(), expected.end());
    for (const auto& node : job.expected_nodes)
        if (!by_node.count(node)) job.missing_nodes.push_back(node);
    if (!job.missing_nodes.empty())
        job.notes.push_back(fmt::format("{} of the {} expected nodes never reported ({}): the sums leave them out",
                                        job.missing_nodes.size(), job.expected_nodes.size(), fmt::join(job.missing_nodes, ", ")));
    if (job.world_size > 0 && job.ranks_reported < job.world_size && job.missing_nodes.empty())
        job.notes.push_back(fmt::format("{} of the job's {} ranks reported", job.ranks_reported, job.world_size));
    std::stable_sort(job.phases.begin(), job.phases.end(), [](const record::JobPhase& a, const record::JobPhase& b) {
        return a.start_utc_ms != b.start_utc_ms ? a.start_utc_ms < b.start_utc_ms : a.node < b.node;
    });
    return job;
}

}  // namespace powerml::analysis
