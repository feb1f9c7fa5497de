#include "powerml/analysis/repetitions.hpp"

#include <algorithm>
#include <cmath>
#include <cctype>
#include <map>

#include <fmt/format.h>

#include "powerml/analysis/efficiency.hpp"
#include "powerml/core/error.hpp"

namespace powerml::analysis {

namespace {

struct Value {
    double value;
    std::string unit;
};
using Indicators = std::vector<std::pair<std::string, Value>>;  // in a stable, readable order

void add(Indicators& out, const std::string& name, double value, const std::string& unit) {
    if (std::isfinite(value)) out.emplace_back(name, Value{value, unit});
}

void add_usage(Indicators& out, const Usage& usage) {
    if (usage.cpu_util_mean) add(out, "cpu_util_mean", *usage.cpu_util_mean, "1");
    if (usage.mem_used_mean_b) add(out, "mem_used_mean_b", *usage.mem_used_mean_b, "B");
    if (usage.process_cpu_s) add(out, "process_cpu_s", *usage.process_cpu_s, "s");
    for (const auto& [column, mean] : usage.gauges_mean) add(out, "gauge:" + column, mean, "");
}

// The energy an efficiency factor divides by: what the software induced when we know it.
std::pair<double, std::string> useful_energy(double gross, double net, bool has_baseline, std::optional<double> adjusted) {
    if (adjusted && *adjusted > 0) return {*adjusted, "adjusted"};
    if (has_baseline && net > 0) return {net, "net"};
    return {gross, "gross"};
}

void add_efficiency(Indicators& out, const std::map<std::string, double>& metrics, double energy, const std::string& label) {
    for (const auto& f : efficiency_factors(metrics, energy, label)) add(out, "efficiency:" + f.name, f.value, f.unit);
}

Indicators run_indicators(const RunSummary& s, std::optional<double> bare_power_w) {
    Indicators out;
    add(out, "duration_s", s.duration_s, "s");
    add(out, "gross_energy_j", s.gross_j, "J");
    add(out, "net_energy_j", s.net_j, "J");
    std::optional<double> adjusted;
    if (bare_power_w) {
        adjusted = s.gross_j - *bare_power_w * s.duration_s;
        add(out, "adjusted_energy_j", *adjusted, "J");
    }
    add(out, "mean_power_w", s.duration_s > 0 ? s.gross_j / s.duration_s : 0.0, "W");
    for (const auto& c : s.components) add(out, "energy_j:" + c.name, c.gross_j, "J");
    add_usage(out, s.usage);
    for (const auto& [name, value] : s.metrics) add(out, "metric:" + name, value, "");
    const auto [energy, label] = useful_energy(s.gross_j, s.net_j, s.baseline_s > 0, adjusted);
    add_efficiency(out, s.metrics, energy, label);
    return out;
}

Indicators phase_indicators(const RunSummary& s, const PhaseSummary& p, std::optional<double> bare_power_w) {
    Indicators out;
    const double duration = p.end_s - p.start_s;
    add(out, "duration_s", duration, "s");
    add(out, "gross_energy_j", p.gross_j, "J");
    add(out, "net_energy_j", p.net_j, "J");
    std::optional<double> adjusted;
    if (bare_power_w) {
        adjusted = p.gross_j - *bare_power_w * duration;
        add(out, "adjusted_energy_j", *adjusted, "J");
    }
    add(out, "mean_power_w", duration > 0 ? p.gross_j / duration : 0.0, "W");
    add_usage(out, p.usage);
    for (const auto& [name, value] : p.metrics) add(out, "metric:" + name, value, "");
    const auto [energy, label] = useful_energy(p.gross_j, p.net_j, s.baseline_s > 0, adjusted);
    add_efficiency(out, p.metrics, energy, label);
    return out;
}

// Collects per-run indicator lists into IndicatorStats, keeping first-seen order.
std::vector<IndicatorStats> collect(const std::vector<std::pair<std::string, Indicators>>& per_run) {
    std::vector<IndicatorStats> out;
    std::map<std::string, std::size_t> index;
    for (const auto& [run_id, indicators] : per_run) {
        for (const auto& [name, v] : indicators) {
            auto it = index.find(name);
            if (it == index.end()) {
                it = index.emplace(name, out.size()).first;
                out.push_back({name, v.unit, {}, {}, {}});
            }
            out[it->second].values.push_back(v.value);
            out[it->second].run_ids.push_back(run_id);
        }
    }
    for (auto& indicator : out) {
        // Energies, powers, times and bytes cannot be negative; a net energy (gross minus a
        // noisy baseline) can, and keeps its two-sided interval.
        const bool physical = indicator.unit == "J" || indicator.unit == "W" || indicator.unit == "s" || indicator.unit == "B";
        const bool non_negative =
            physical && std::all_of(indicator.values.begin(), indicator.values.end(), [](double v) { return v >= 0; });
        indicator.stats = describe(indicator.values, non_negative);
    }
    return out;
}

bool is_epoch(const std::string& name) {
    if (name.size() < 5) return false;
    std::string head = name.substr(0, 5);
    for (char& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return head == "epoch";
}

bool is_usage(const std::string& name) {
    return name == "cpu_util_mean" || name == "mem_used_mean_b" || name == "process_cpu_s" || name.rfind("gauge:", 0) == 0;
}

}  // namespace

const IndicatorStats* find_indicator(const std::vector<IndicatorStats>& indicators, const std::string& name) {
    for (const auto& i : indicators)
        if (i.name == name) return &i;
    return nullptr;
}

std::optional<CorrelationRow> correlate_indicators(const std::string& x_name, const std::vector<double>& x,
                                                   const std::string& y_name, const std::vector<double>& y,
                                                   const std::string& scope) {
    if (x.size() != y.size() || x.size() < 3) return std::nullopt;
    if (std::all_of(x.begin(), x.end(), [&](double v) { return v == x[0]; })) return std::nullopt;
    if (std::all_of(y.begin(), y.end(), [&](double v) { return v == y[0]; })) return std::nullopt;
    CorrelationRow row;
    row.x = x_name;
    row.y = y_name;
    row.scope = scope;
    row.pearson_r = pearson(x, y);
    row.spearman_rho = spearman(x, y);
    row.fit = linear_regression(x, y);
    return row;
}

std::optional<CorrelationRow> correlate_by_run(const IndicatorStats& x, const IndicatorStats& y, const std::string& scope) {
    std::map<std::string, double> by_run;
    for (std::size_t i = 0; i < x.values.size(); ++i) by_run[x.run_ids[i]] = x.values[i];
    std::vector<double> xs, ys;
    for (std::size_t i = 0; i < y.values.size(); ++i)
        if (const auto it = by_run.find(y.run_ids[i]); it != by_run.end()) {
            xs.push_back(it->second);
            ys.push_back(y.values[i]);
        }
    return correlate_indicators(x.name, xs, y.name, ys, scope);
}

ScenarioStats scenario_statistics(const std::string& scenario, const std::vector<ScenarioRun>& runs,
                                  std::optional<double> bare_power_w) {
    if (runs.empty()) throw Error(fmt::format("scenario '{}': no finished runs to summarise", scenario));
    ScenarioStats out;
    out.scenario = scenario;
    out.runs = runs.size();
    std::vector<std::pair<std::string, Indicators>> per_run;
    std::vector<std::string> phase_order;
    std::map<std::string, std::vector<std::pair<std::string, Indicators>>> per_phase;
    std::vector<Indicators> epochs;  // every epoch phase of every run, for per-epoch correlations
    std::size_t without_baseline = 0;
    for (const auto& run : runs) {
        per_run.emplace_back(run.run_id, run_indicators(run.summary, bare_power_w));
        for (const auto& phase : run.summary.phases) {
            if (!per_phase.count(phase.name)) phase_order.push_back(phase.name);
            auto indicators = phase_indicators(run.summary, phase, bare_power_w);
            if (is_epoch(phase.name)) epochs.push_back(indicators);
            per_phase[phase.name].emplace_back(run.run_id, std::move(indicators));
        }
        if (run.summary.baseline_s <= 0) ++without_baseline;
    }
    if (without_baseline > 0 && !bare_power_w)
        out.notes.push_back(fmt::format("{} of {} runs have no idle baseline (--baseline 0) and there is no bare-system "
                                        "scenario: net energy equals gross energy",
                                        without_baseline, runs.size()));
    out.indicators = collect(per_run);
    for (const auto& name : phase_order) out.phases.push_back({name, collect(per_phase[name])});

    // Across repetitions: energy against duration (seed 001: linear) and against usage.
    const auto* energy = find_indicator(out.indicators, "gross_energy_j");
    for (const auto& indicator : out.indicators) {
        if (indicator.name != "duration_s" && !is_usage(indicator.name)) continue;
        if (indicator.values.size() != energy->values.size()) continue;
        if (auto row = correlate_indicators(indicator.name, indicator.values, "gross_energy_j", energy->values, "runs"))
            out.correlations.push_back(std::move(*row));
    }
    // Across epochs (seed 003: energy per epoch against GPU temperature, r = 0.98).
    if (epochs.size() >= 3) {
        std::map<std::string, std::vector<double>> columns;
        for (const auto& e : epochs)
            for (const auto& [name, v] : e) columns[name].push_back(v.value);
        const auto& epoch_energy = columns["gross_energy_j"];
        for (const auto& [name, values] : columns) {
            if (name != "duration_s" && !is_usage(name)) continue;
            if (values.size() != epoch_energy.size()) continue;
            if (auto row = correlate_indicators(name, values, "gross_energy_j", epoch_energy, "epochs"))
                out.correlations.push_back(std::move(*row));
        }
    }
    if (const auto* e = find_indicator(out.indicators, "gross_energy_j"); e && e->stats.normality &&
                                                                           e->stats.normality->p_value < 0.05)
        out.notes.push_back(fmt::format("energy is not normally distributed across repetitions (Shapiro-Wilk W = {:.3f}, "
                                        "p = {:.3g}): prefer the median and IQR to the mean and CI",
                                        e->stats.normality->w, e->stats.normality->p_value));
    if (runs.size() < 3) out.notes.push_back(fmt::format("only {} repetition(s): no normality test", runs.size()));
    return out;
}

}  // namespace powerml::analysis
