#include "powerml/analysis/run_summary.hpp"

#include "powerml/analysis/attribution.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>

namespace powerml::analysis {

using record::Channel;
using record::EnergyKind;
using record::Timeline;

namespace {

// Fraction of the interval (a, b] that lies inside [from, to].
double overlap_fraction(double a, double b, double from, double to) {
    if (b <= a) return 0.0;
    const double lo = std::max(a, from), hi = std::min(b, to);
    return hi > lo ? (hi - lo) / (b - a) : 0.0;
}

}  // namespace

// Counter value at time t by linear interpolation between samples (usage counters: bytes, CPU s).
std::optional<double> counter_at(const Timeline& timeline, std::size_t c, double t) {
    const auto& rows = timeline.rows;
    std::optional<std::pair<double, double>> before, after;
    // The first row after t, then the nearest readable rows on each side.
    const auto split = std::upper_bound(rows.begin(), rows.end(), t, [](double x, const record::SampleRow& r) { return x < r.t_s; });
    for (auto it = split; it != rows.end(); ++it)
        if (std::isfinite(it->values[c])) {
            after = {it->t_s, it->values[c]};
            break;
        }
    for (auto it = split; it != rows.begin();) {
        --it;
        if (std::isfinite(it->values[c])) {
            before = {it->t_s, it->values[c]};
            break;
        }
    }
    if (before && after) {
        const double w = (t - before->first) / (after->first - before->first);
        return before->second + w * (after->second - before->second);
    }
    if (before) return before->second;
    if (after) return after->second;
    return std::nullopt;
}

namespace {

// Mean power of channel c in each row inside [from, to]: the baseline's spread.
std::vector<double> row_powers(const Timeline& timeline, std::size_t c, double from, double to) {
    std::vector<double> powers;
    for (std::size_t i = 1; i < timeline.rows.size(); ++i) {
        const double a = timeline.rows[i - 1].t_s, b = timeline.rows[i].t_s;
        if (a >= from && b <= to && b > a) powers.push_back(timeline.rows[i].energy_j[c] / (b - a));
    }
    return powers;
}

std::string component_name(const Channel& channel) {
    const std::string component(record::to_string(channel.info.component));
    return channel.info.domain.empty() || channel.info.domain == component ? component : channel.info.domain;
}

}  // namespace

double channel_energy(const Timeline& timeline, std::size_t c, double from_s, double to_s) {
    // Rows are in time order: start at the first row that ends after `from_s`, stop past
    // `to_s`, so a phase costs its own rows, not the whole run's.
    const auto& rows = timeline.rows;
    auto it = std::lower_bound(rows.begin(), rows.end(), from_s, [](const record::SampleRow& r, double t) { return r.t_s < t; });
    std::size_t i = std::max<std::size_t>(1, static_cast<std::size_t>(it - rows.begin()));
    double energy = 0;
    for (; i < rows.size() && rows[i - 1].t_s < to_s; ++i) {
        const double f = overlap_fraction(rows[i - 1].t_s, rows[i].t_s, from_s, to_s);
        if (f > 0) energy += f * rows[i].energy_j[c];
    }
    return energy;
}

Usage usage_between(const Timeline& timeline, double from_s, double to_s) {
    Usage usage;
    for (std::size_t c = 0; c < timeline.channels.size(); ++c) {
        const Channel& channel = timeline.channels[c];
        if (channel.energy_kind != EnergyKind::none) continue;
        const auto& info = channel.info;
        if (info.kind == record::SignalKind::counter) {
            const auto a = counter_at(timeline, c, from_s), b = counter_at(timeline, c, to_s);
            if (!a || !b) continue;
            double delta = *b - *a;
            if (delta < 0) delta = 0;  // a counter reset inside the window: no meaningful total
            if (info.name == "PROCFS::DISK_READ") usage.disk_read_b = delta;
            else if (info.name == "PROCFS::DISK_WRITE") usage.disk_write_b = delta;
            else if (info.name == "PROCFS::NET_RX") usage.net_rx_b = delta;
            else if (info.name == "PROCFS::NET_TX") usage.net_tx_b = delta;
            else if (info.name == "PROCFS::PROCESS_CPU_TIME") usage.process_cpu_s = delta;
            else if (info.name == "PROCFS::MACHINE_CPU_TIME") usage.machine_busy_cpu_s = delta;
            continue;
        }
        // Gauges: time-weighted mean over the rows inside the window, and the maximum.
        double weighted = 0, weight = 0, maximum = -INFINITY;
        const auto& rows = timeline.rows;
        const auto first = std::lower_bound(rows.begin(), rows.end(), from_s,
                                            [](const record::SampleRow& r, double t) { return r.t_s < t; });
        for (std::size_t i = std::max<std::size_t>(1, static_cast<std::size_t>(first - rows.begin()));
             i < rows.size() && rows[i - 1].t_s < to_s; ++i) {
            const double v = timeline.rows[i].values[c];
            if (!std::isfinite(v)) continue;
            const double a = timeline.rows[i - 1].t_s, b = timeline.rows[i].t_s;
            const double w = overlap_fraction(a, b, from_s, to_s) * (b - a);
            if (w <= 0) continue;
            weighted += w * v;
            weight += w;
            maximum = std::max(maximum, v);
        }
        if (weight <= 0) continue;
        const double mean = weighted / weight;
        if (info.name == "PROCFS::CPU_UTIL" && info.domain_idx == 0) usage.cpu_util_mean = mean;
        else if (info.name == "PROCFS::MEM_USED") {
            usage.mem_used_mean_b = mean;
            usage.mem_used_max_b = maximum;
        } else if (info.name == "PROCFS::PROCESS_RSS") {
            usage.process_rss_mean_b = mean;
        } else if (info.name == "PROCFS::ALLOWED_CPUS") {
            usage.allowed_cpus_mean = mean;
        } else if (info.name == "PROCFS::CPU_UTIL" || info.name == "PROCFS::MEM_TOTAL") {
            continue;  // per-core utilisation stays in samples.csv; total memory is constant
        } else {
            usage.gauges_mean[channel.column()] = mean;
        }
    }
    int cores = 0;
    for (const auto& channel : timeline.channels)
        if (channel.info.name == "PROCFS::CPU_UTIL" && channel.info.domain_idx > 0) ++cores;
    if (cores > 0) usage.cpu_count = cores;
    return usage;
}

RunSummary summarize(const Timeline& timeline, const record::AttributionPolicy& policy) {
    RunSummary summary;
    const double job_start = timeline.job_start_s;
    const double job_end = std::max(timeline.job_end_s, job_start);
    summary.duration_s = job_end - job_start;
    summary.interval_s = timeline.interval_s;
    summary.samples = timeline.rows.size();
    summary.baseline_s = timeline.baseline_end_s;
    summary.quality = timeline.quality;

    double variance_sum = 0;            // independent errors (model scale, resolution), summed in quadrature
    double baseline_power_se_sum = 0;   // baseline standard errors, summed in quadrature below
    for (std::size_t c = 0; c < timeline.channels.size(); ++c) {
        const Channel& channel = timeline.channels[c];
        if (channel.energy_kind == EnergyKind::none) continue;
        ComponentEnergy e;
        e.name = component_name(channel);
        e.component = channel.info.component;
        e.source = channel.source;
        e.signal = channel.info.name;
        e.kind = channel.energy_kind;
        e.model_id = channel.info.model_id;
        e.contained_in = channel.info.contained_in;
        e.summed = channel.summed;
        e.gross_j = channel_energy(timeline, c, job_start, job_end);
        e.mean_power_w = summary.duration_s > 0 ? e.gross_j / summary.duration_s : 0.0;
        double baseline_se_w = 0;
        if (timeline.baseline_end_s > 0) {
            e.baseline_power_w = channel_energy(timeline, c, 0.0, timeline.baseline_end_s) / timeline.baseline_end_s;
            const auto powers = row_powers(timeline, c, 0.0, timeline.baseline_end_s);
            if (powers.size() > 1) {
                double mean = 0, ss = 0;
                for (const double p : powers) mean += p;
                mean /= static_cast<double>(powers.size());
                for (const double p : powers) ss += (p - mean) * (p - mean);
                baseline_se_w = std::sqrt(ss / static_cast<double>(powers.size() - 1) / static_cast<double>(powers.size()));
            }
        }
        e.baseline_j = e.baseline_power_w * summary.duration_s;
        e.net_j = e.gross_j - e.baseline_j;
        // Resolution: one step at each end of the window. Scale error of the source (models,
        // stated sensor error) applies to the net energy; the baseline's spread to its subtraction.
        const double resolution_j = 2.0 * channel.info.resolution;
        const double scale_j = channel.info.relative_uncertainty * std::fabs(e.net_j);
        const double baseline_j = baseline_se_w * summary.duration_s;
        e.uncertainty_j = std::sqrt(resolution_j * resolution_j + scale_j * scale_j + baseline_j * baseline_j);
        if (e.summed) {
            summary.gross_j += e.gross_j;
            summary.baseline_j += e.baseline_j;
            summary.net_j += e.net_j;
            variance_sum += resolution_j * resolution_j + scale_j * scale_j;
            baseline_power_se_sum += baseline_j * baseline_j;
        }
        summary.components.push_back(std::move(e));
    }
    summary.uncertainty_j = std::sqrt(variance_sum + baseline_power_se_sum);
    summary.usage = usage_between(timeline, job_start, job_end);

    // Phases: pair begin/end events, innermost first, like parentheses; each rank of a
    // distributed job ("rank1/...") in a lane of its own, since ranks open and close their
    // phases independently of each other.
    struct Open {
        std::string name;
        double start;
        std::size_t index;
    };
    std::map<std::string, std::vector<Open>, std::less<>> lanes;
    std::vector<PhaseSummary> phases;
    auto close = [&](std::vector<Open>& stack, std::size_t stack_pos, double end, bool at_exit) {
        const Open open = stack[stack_pos];
        PhaseSummary& phase = phases[open.index];
        phase.end_s = end - job_start;
        phase.closed_at_exit = at_exit;
        stack.erase(stack.begin() + static_cast<std::ptrdiff_t>(stack_pos));
    };
    for (const auto& event : timeline.phases) {
        auto& stack = lanes[std::string(record::phase_lane(event.name))];
        if (event.begin) {
            PhaseSummary phase;
            phase.name = event.name;
            phase.depth = static_cast<int>(stack.size());
            phase.parent = stack.empty() ? "" : stack.back().name;
            phase.start_s = event.t_s - job_start;
            phases.push_back(phase);
            stack.push_back({event.name, event.t_s, phases.size() - 1});
        } else {
            // Close the innermost open phase with this name, and any opened inside it.
            for (std::size_t k = stack.size(); k-- > 0;) {
                if (stack[k].name != event.name) continue;
                while (stack.size() > k + 1) close(stack, stack.size() - 1, event.t_s, false);
                close(stack, k, event.t_s, false);
                break;
            }
        }
    }
    for (auto& [name, stack] : lanes)
        while (!stack.empty()) close(stack, stack.size() - 1, job_end, true);
    for (auto& phase : phases) {
        const double from = phase.start_s + job_start, to = phase.end_s + job_start;
        for (std::size_t c = 0; c < timeline.channels.size(); ++c) {
            const Channel& channel = timeline.channels[c];
            if (!channel.summed) continue;
            const double gross = channel_energy(timeline, c, from, to);
            const double base = (timeline.baseline_end_s > 0
                                     ? channel_energy(timeline, c, 0.0, timeline.baseline_end_s) / timeline.baseline_end_s
                                     : 0.0) * (to - from);
            phase.gross_j += gross;
            phase.baseline_j += base;
        }
        phase.net_j = phase.gross_j - phase.baseline_j;
        phase.usage = usage_between(timeline, from, to);
        for (const auto& metric : timeline.metrics)
            if (metric.t_s >= from && metric.t_s <= to) phase.metrics[metric.name] = metric.value;
        if (phase.closed_at_exit) summary.notes.push_back("phase '" + phase.name + "' was still open when the job ended");
    }
    summary.phases = std::move(phases);
    for (const auto& metric : timeline.metrics) summary.metrics[metric.name] = metric.value;

    if (timeline.baseline_end_s <= 0)
        summary.notes.push_back("no idle baseline was measured (--baseline 0): net energy equals gross energy");
    for (const auto& e : summary.components)
        if (e.kind == EnergyKind::model && e.summed)
            summary.notes.push_back(fmt::format("{} energy is modelled ({}), not measured", e.name, e.model_id));
    summary.baseline_idleness = baseline_idleness(timeline);
    if (summary.baseline_idleness && summary.baseline_idleness->busy) {
        summary.quality.baseline_not_idle = true;
        summary.notes.push_back(fmt::format(
            "the idle baseline was not idle: the machine's CPUs were {:.0f} % busy (sd {:.0f} %, {:.2f} CPU-s of other "
            "processes; threshold {:.0f} %): net energy subtracts other work, read the attributed figure",
            100.0 * summary.baseline_idleness->cpu_util_mean, 100.0 * summary.baseline_idleness->cpu_util_sd,
            summary.baseline_idleness->busy_cpu_s, 100.0 * summary.baseline_idleness->threshold));
    }
    attribute(timeline, policy, summary);
    if (summary.quality.read_errors > 0)
        summary.notes.push_back(fmt::format("{} channel reads failed; energy counters carry across failed reads, "
                                            "power gauges are interpolated",
                                            summary.quality.read_errors));
    return summary;
}

}  // namespace powerml::analysis
