#include "powerml/report/report_tables.hpp"

// GCC 12 at -O2 reports std::variant<monostate, double, string> copies in initializer lists as
// "may be used uninitialized" (a known false positive, GCC bug 105562); the code is fine.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include <cctype>
#include <set>

#include <fmt/format.h>

#include "powerml/analysis/efficiency.hpp"
#include "powerml/core/time.hpp"

namespace powerml::report {

namespace {

std::string join(const std::vector<std::string>& parts, const char* sep = " ") {
    std::string out;
    for (const auto& p : parts) out += (out.empty() ? "" : sep) + p;
    return out;
}

// Table ids become file names: keep letters, digits, '-', '_' and '.'.
std::string slug(const std::string& text) {
    std::string out;
    for (const char c : text) out += std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ? c : '_';
    return out;
}

Cell opt(const std::optional<double>& v) { return v ? Cell(*v) : Cell(); }

// The energy an efficiency factor divides by, as analysis labels it.
std::pair<double, std::string> useful(const record::RunSummary& s, const record::PhaseSummary& p) {
    if (s.baseline_s > 0 && p.net_j > 0) return {p.net_j, "net"};
    return {p.gross_j, "gross"};
}

}  // namespace

const Table* find_table(const std::vector<Table>& tables, const std::string& id) {
    for (const auto& t : tables)
        if (t.id == id) return &t;
    return nullptr;
}

std::vector<Table> run_tables(const RunInput& run) {
    std::vector<Table> out;
    const auto& s = run.summary;
    const std::string prefix = "run-" + slug(run.id) + "-";

    Table overview{prefix + "overview", "Run " + run.id, {"field", "value"}, {}};
    auto row = [&](const std::string& k, Cell v) { overview.rows.push_back({Cell(k), std::move(v)}); };
    row("run_id", run.id);
    row("status", run.status);
    row("command", join(run.command));
    row("host", run.host);
    row("started", format_rfc3339(run.started_utc_ms));
    row("exit_status", run.exit_status ? Cell(double(*run.exit_status)) : Cell());
    row("duration_s", s.duration_s);
    row("interval_s", s.interval_s);
    row("samples", double(s.samples));
    row("baseline_s", s.baseline_s);
    row("gross_energy_j", s.gross_j);
    row("baseline_energy_j", s.baseline_j);
    row("net_energy_j", s.net_j);
    row("uncertainty_j", s.uncertainty_j);
    row("zone", run.zone ? Cell(*run.zone) : Cell());
    row("g_co2e", opt(run.g_co2e));
    row("intensity_source", run.intensity_source);
    if (s.attribution) {
        // The job's own share, beside the machine's figures above (provenance attributed).
        const auto& a = *s.attribution;
        row("attributed_energy_j", a.attributed_j);
        row("attributed_uncertainty_j", a.uncertainty_j);
        row("attributed_cpu_share", a.cpu_share);
        row("attributed_method", a.method);
        row("attributed_scope", a.scope);
        row("machine_energy_j", a.machine_j);
        row("other_tenants_and_idle_j", a.others_and_idle_j);
        row("attributed_headline", std::string(a.headline ? "yes" : "no"));
    }
    for (const auto& [name, value] : s.metrics) row("metric:" + name, value);
    out.push_back(std::move(overview));

    Table components{prefix + "components", "Energy per component",
                     {"name", "component", "source", "signal", "kind", "summed", "gross_energy_j", "mean_power_w",
                      "baseline_power_w", "net_energy_j", "uncertainty_j"},
                     {}};
    if (s.attribution)
        for (const char* column : {"attributed_energy_j", "attributed_share", "attributed_uncertainty_j", "attributed_method"})
            components.columns.push_back(column);
    for (const auto& c : s.components) {
        std::vector<Cell> r = {c.name, std::string(record::to_string(c.component)), c.source, c.signal, std::string(record::to_string(c.kind)), std::string(c.summed ? "yes" : "no"),
                               c.gross_j, c.mean_power_w, c.baseline_power_w, c.net_j, c.uncertainty_j};
        if (s.attribution) {
            if (c.attributed) {
                r.insert(r.end(), {c.attributed->energy_j, c.attributed->share, c.attributed->uncertainty_j, c.attributed->method});
            } else {
                r.insert(r.end(), {Cell(), Cell(), Cell(), Cell()});
            }
        }
        components.rows.push_back(std::move(r));
    }
    out.push_back(std::move(components));

    // Phases, with every metric any phase reported and the efficiency factors that follow.
    std::set<std::string> metric_names;
    for (const auto& p : s.phases)
        for (const auto& [name, value] : p.metrics) metric_names.insert(name);
    Table phases{prefix + "phases", "Energy per phase",
                 {"phase", "depth", "parent", "start_s", "end_s", "duration_s", "gross_energy_j", "baseline_energy_j",
                  "net_energy_j", "mean_power_w", "cpu_util_mean"},
                 {}};
    for (const auto& m : metric_names) phases.columns.push_back("metric:" + m);
    const std::vector<std::string> factors = {"accuracy_per_wh", "samples_per_kj", "correct_per_wh"};
    for (const auto& f : factors) phases.columns.push_back(f);
    phases.columns.push_back("efficiency_energy");
    if (s.attribution) phases.columns.push_back("attributed_energy_j");
    for (const auto& p : s.phases) {
        const double duration = p.end_s - p.start_s;
        std::vector<Cell> r = {p.name, double(p.depth), p.parent, p.start_s, p.end_s, duration, p.gross_j, p.baseline_j, p.net_j,
                               duration > 0 ? Cell(p.gross_j / duration) : Cell(), opt(p.usage.cpu_util_mean)};
        for (const auto& m : metric_names) r.push_back(p.metrics.count(m) ? Cell(p.metrics.at(m)) : Cell());
        const auto [energy, label] = useful(s, p);
        const auto eff = analysis::efficiency_factors(p.metrics, energy, label);
        for (const auto& f : factors) {
            Cell v;
            for (const auto& e : eff)
                if (e.name == f) v = e.value;
            r.push_back(v);
        }
        r.push_back(eff.empty() ? Cell() : Cell(label));
        if (s.attribution) r.push_back(opt(p.attributed_j));
        phases.rows.push_back(std::move(r));
    }
    out.push_back(std::move(phases));

    Table quality{prefix + "quality", "Data quality", {"item", "value"}, {}};
    quality.rows.push_back({std::string("counter_wraps"), double(s.quality.counter_wraps)});
    quality.rows.push_back({std::string("read_errors"), double(s.quality.read_errors)});
    quality.rows.push_back({std::string("gaps"), double(s.quality.gaps)});
    quality.rows.push_back({std::string("counter_resets"), double(s.quality.counter_resets)});
    quality.rows.push_back({std::string("control_errors"), double(s.quality.control_errors)});
    quality.rows.push_back({std::string("baseline_not_idle"), std::string(s.quality.baseline_not_idle ? "yes" : "no")});
    if (s.baseline_idleness)
        quality.rows.push_back({std::string("baseline_cpu_util_mean"), s.baseline_idleness->cpu_util_mean});
    for (const auto& note : s.notes) quality.rows.push_back({std::string("note"), note});
    out.push_back(std::move(quality));

    if (!run.backtest.empty()) {
        Table pred{prefix + "prediction", "Prediction from the first k epochs against the finished run",
                   {"k", "epochs_total", "predicted_energy_j", "energy_low_j", "energy_high_j", "energy_error_pct",
                    "energy_in_interval", "predicted_duration_s", "duration_low_s", "duration_high_s", "duration_error_pct",
                    "duration_in_interval"},
                   {}};
        for (const auto& b : run.backtest) {
            const auto& p = b.prediction;
            pred.rows.push_back({double(b.k), double(p.epochs_total), p.energy_j, opt(p.energy_low_j), opt(p.energy_high_j),
                                 b.energy_error_pct, std::string(b.energy_in_interval ? "yes" : "no"), p.duration_s,
                                 opt(p.duration_low_s), opt(p.duration_high_s), b.duration_error_pct,
                                 std::string(b.duration_in_interval ? "yes" : "no")});
        }
        out.push_back(std::move(pred));
    }
    return out;
}

std::vector<Table> experiment_tables(const experiment::ExperimentResults& r) {
    std::vector<Table> out;
    const std::string prefix = "experiment-" + slug(r.spec.name) + "-";
    Table runs{prefix + "runs", "Runs of experiment " + r.spec.name,
               {"seq", "scenario", "repetition", "status", "run_id", "exit_status", "error", "started", "wall_s"}, {}};
    for (const auto& i : r.items)
        runs.rows.push_back({double(i.seq), i.scenario, double(i.repetition), i.status, i.run_id,
                             i.exit_status ? Cell(double(*i.exit_status)) : Cell(), i.error,
                             i.started_utc_ms ? Cell(format_rfc3339(i.started_utc_ms)) : Cell(),
                             i.ended_utc_ms > i.started_utc_ms ? Cell((i.ended_utc_ms - i.started_utc_ms) / 1000.0) : Cell()});
    out.push_back(std::move(runs));

    Table side{prefix + "scenarios", "Scenarios side by side (means over finished repetitions, 95 % CI)",
               {"scenario", "kind", "finished", "failed", "gross_energy_j", "gross_ci95_low", "gross_ci95_high",
                "adjusted_energy_j", "adjusted_ci95_low", "adjusted_ci95_high", "duration_s", "mean_power_w", "bare_power_w"},
               {}};
    Table stats{prefix + "statistics", "Statistics over repetitions, per scenario and per phase",
                {"scenario", "phase", "indicator", "unit", "n", "mean", "sd", "ci95_low", "ci95_high", "median", "q1", "q3",
                 "iqr", "min", "max", "cv", "shapiro_w", "shapiro_p", "outlier_runs"},
                {}};
    Table corr{prefix + "correlations", "Correlations between indicators",
               {"scenario", "scope", "x", "y", "n", "pearson_r", "pearson_p", "pearson_ci95_low", "pearson_ci95_high",
                "spearman_rho", "spearman_p", "slope", "intercept", "r_squared"},
               {}};
    auto add_stats = [&](const std::string& scenario, const std::string& phase, const analysis::IndicatorStats& i) {
        std::string outliers;
        for (const auto idx : i.stats.outliers) outliers += (outliers.empty() ? "" : " ") + i.run_ids[idx];
        const auto& d = i.stats;
        stats.rows.push_back({scenario, phase, i.name, i.unit, double(d.n), d.mean, d.sd, d.ci95_low, d.ci95_high, d.median, d.q1,
                              d.q3, d.iqr, d.min, d.max, d.cv, d.normality ? Cell(d.normality->w) : Cell(),
                              d.normality ? Cell(d.normality->p_value) : Cell(), outliers});
    };
    for (const auto& sr : r.scenarios) {
        std::size_t finished = 0, failed = 0;
        for (const auto& i : sr.items) {
            finished += i.status == "finished";
            failed += i.status == "failed";
        }
        std::vector<Cell> row = {sr.scenario.name, sr.scenario.kind, double(finished), double(failed)};
        if (sr.stats) {
            auto mean_ci = [&](const char* name) {
                const auto* i = analysis::find_indicator(sr.stats->indicators, name);
                if (!i) return std::vector<Cell>{Cell(), Cell(), Cell()};
                return std::vector<Cell>{i->stats.mean, i->stats.ci95_low, i->stats.ci95_high};
            };
            auto mean_of = [&](const char* name) {
                const auto* i = analysis::find_indicator(sr.stats->indicators, name);
                return i ? Cell(i->stats.mean) : Cell();
            };
            for (auto& c : mean_ci("gross_energy_j")) row.push_back(c);
            for (auto& c : mean_ci("adjusted_energy_j")) row.push_back(c);
            row.push_back(mean_of("duration_s"));
            row.push_back(mean_of("mean_power_w"));
            for (const auto& i : sr.stats->indicators) add_stats(sr.scenario.name, "", i);
            for (const auto& p : sr.stats->phases)
                for (const auto& i : p.indicators) add_stats(sr.scenario.name, p.phase, i);
            for (const auto& c : sr.stats->correlations)
                corr.rows.push_back({sr.scenario.name, c.scope, c.x, c.y, double(c.pearson_r.n), c.pearson_r.r, c.pearson_r.p_value,
                                     c.pearson_r.ci95_low, c.pearson_r.ci95_high, c.spearman_rho.r, c.spearman_rho.p_value,
                                     c.fit ? Cell(c.fit->slope) : Cell(), c.fit ? Cell(c.fit->intercept) : Cell(),
                                     c.fit ? Cell(c.fit->r_squared) : Cell()});
        } else {
            for (int k = 0; k < 8; ++k) row.push_back(Cell());
        }
        row.push_back(opt(r.bare_power_w));
        side.rows.push_back(std::move(row));
    }
    out.push_back(std::move(side));
    out.push_back(std::move(stats));
    out.push_back(std::move(corr));
    Table notes{prefix + "notes", "Notes", {"note"}, {}};
    for (const auto& n : r.notes) notes.rows.push_back({n});
    for (const auto& sr : r.scenarios)
        if (sr.stats)
            for (const auto& n : sr.stats->notes) notes.rows.push_back({sr.scenario.name + ": " + n});
    out.push_back(std::move(notes));
    return out;
}

std::vector<Table> job_tables(const record::JobSummary& job) {
    std::vector<Table> out;
    const std::string stem = "job-" + slug(job.key);
    const auto basis = [](const std::optional<record::EnergyBasis>& b) { return b ? std::string(record::to_string(*b)) : "mixed"; };
    Table nodes{stem + "-nodes", "Energy and carbon per node (each node's own zone)",
                {"node", "runs", "ranks", "ranks_expected", "gross_j", "baseline_j", "net_j", "uncertainty_j", "energy_basis",
                 "zone", "g_co2e", "g_co2e_uncertainty"},
                {}};
    for (const auto& n : job.nodes)
        nodes.rows.push_back({n.node, join(n.run_ids), static_cast<double>(n.ranks), static_cast<double>(n.local_world_size),
                              n.gross_j, n.baseline_j, n.net_j, n.uncertainty_j, basis(n.basis),
                              n.zone ? Cell(*n.zone) : Cell(), opt(n.g_co2e), n.g_co2e ? Cell(n.g_co2e_uncertainty) : Cell()});
    for (const auto& m : job.missing_nodes)
        nodes.rows.push_back({m, std::string("never reported"), Cell(), Cell(), Cell(), Cell(), Cell(), Cell(), Cell(), Cell(), Cell(), Cell()});
    nodes.rows.push_back({std::string("total"), std::string(job.complete() ? "" : "incomplete: nodes missing"),
                          static_cast<double>(job.ranks_reported), static_cast<double>(job.world_size), job.gross_j, job.baseline_j,
                          job.net_j, job.uncertainty_j, basis(job.basis), Cell(), opt(job.g_co2e),
                          job.g_co2e ? Cell(job.g_co2e_uncertainty) : Cell()});
    out.push_back(std::move(nodes));
    Table components{stem + "-components", "Energy per node and component", {"node", "component", "kind", "gross_j", "net_j"}, {}};
    for (const auto& n : job.nodes)
        for (const auto& c : n.components)
            components.rows.push_back({n.node, c.name, std::string(record::to_string(c.kind)), c.gross_j, c.net_j});
    out.push_back(std::move(components));
    Table phases{stem + "-phases", "Phases of every rank, by wall time", {"start", "end", "node", "phase", "duration_s", "net_j"}, {}};
    for (const auto& p : job.phases)
        phases.rows.push_back({format_rfc3339(p.start_utc_ms), format_rfc3339(p.end_utc_ms), p.node, p.name,
                               (p.end_utc_ms - p.start_utc_ms) / 1000.0, p.net_j});
    out.push_back(std::move(phases));
    return out;
}

std::vector<Table> all_tables(const ReportInput& input) {
    std::vector<Table> out;
    for (const auto& job : input.jobs)
        for (auto& t : job_tables(job)) out.push_back(std::move(t));
    for (const auto& run : input.runs)
        for (auto& t : run_tables(run)) out.push_back(std::move(t));
    for (const auto& e : input.experiments)
        for (auto& t : experiment_tables(e)) out.push_back(std::move(t));
    return out;
}

}  // namespace powerml::report
