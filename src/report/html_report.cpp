#include "powerml/report/html_report.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "report_style.hpp"

#include "powerml/analysis/efficiency.hpp"
#include "powerml/core/time.hpp"
#include "powerml/core/units.hpp"
#include "powerml/report/report_tables.hpp"
#include "powerml/report/svg_chart.hpp"

namespace powerml::report {

namespace {

constexpr const char* k_style = R"(
.chart-title{font-size:14px;font-weight:600}.tick,.legend,.band-label{font-size:11px;fill:#444}.axis-label{font-size:12px;fill:#222}
.grid{stroke:#e8e8e8}.axis{stroke:#666}.band{fill:#999}.errorbar,.whisker{stroke:#222;stroke-width:1.2;fill:none}
.median{stroke:#000;stroke-width:2}.point{fill:#333;fill-opacity:.6}.outlier{fill:#D55E00}.empty{fill:#999}
.notes li{margin:2px 0}.meta{color:#555;font-size:13px}.kpi{display:inline-block;margin:0 24px 8px 0}.kpi b{font-size:1.3em;display:block}
)";

bool is_epoch(const std::string& name) {
    if (name.size() < 5) return false;
    std::string head = name.substr(0, 5);
    for (char& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return head == "epoch";
}

std::string notes_list(const std::vector<std::string>& notes) {
    if (notes.empty()) return {};
    std::string out = "<ul class=\"notes\">";
    for (const auto& n : notes) out += "<li>" + html_escape(n) + "</li>";
    return out + "</ul>";
}

std::string table_block(const std::vector<Table>& tables, const std::string& id) {
    const Table* t = find_table(tables, id);
    if (!t || t->rows.empty()) return {};
    return fmt::format("<h3>{}</h3><p class=\"meta\">Also in {}.csv and {}.json (report --tables DIR).</p>{}", html_escape(t->title),
                       html_escape(t->id), html_escape(t->id), t->to_html());
}

// Power per energy channel over time, averaged into at most `max_points` buckets so that the
// file stays small for long runs (energy is summed per bucket, then divided by its length).
std::vector<Series> power_series(const record::Timeline& timeline, std::size_t max_points) {
    std::vector<Series> out;
    if (timeline.rows.size() < 2) return out;
    const std::size_t per = std::max<std::size_t>(1, (timeline.rows.size() - 1 + max_points - 1) / max_points);
    for (std::size_t c = 0; c < timeline.channels.size(); ++c) {
        const auto& ch = timeline.channels[c];
        if (ch.energy_kind == record::EnergyKind::none) continue;
        Series s;
        s.name = ch.info.domain.empty() ? ch.column() : ch.info.domain + (ch.summed ? "" : " (contained)");
        for (std::size_t i = 1; i < timeline.rows.size(); i += per) {
            double energy = 0;
            const std::size_t end = std::min(i + per, timeline.rows.size());
            for (std::size_t k = i; k < end; ++k) energy += timeline.rows[k].energy_j[c];
            const double dt = timeline.rows[end - 1].t_s - timeline.rows[i - 1].t_s;
            if (dt <= 0) continue;
            s.x.push_back(timeline.rows[end - 1].t_s - timeline.job_start_s);
            s.y.push_back(energy / dt);
        }
        out.push_back(std::move(s));
    }
    return out;
}

std::string run_section(const RunInput& run) {
    const auto& s = run.summary;
    const auto tables = run_tables(run);
    const std::string prefix = tables.front().id.substr(0, tables.front().id.size() - std::string("overview").size());
    std::string out = fmt::format("<section class=\"run\" id=\"run-{}\"><h2>Run {}</h2>", html_escape(run.id), html_escape(run.id));
    out += fmt::format("<p class=\"meta\"><code>{}</code> on {} at {}, {}</p>", html_escape([&] {
                           std::string c;
                           for (const auto& p : run.command) c += (c.empty() ? "" : " ") + p;
                           return c;
                       }()),
                       html_escape(run.host), format_rfc3339(run.started_utc_ms), html_escape(run.status));
    out += fmt::format("<div><span class=\"kpi\"><b>{}</b>gross energy</span><span class=\"kpi\"><b>{}</b>net of idle baseline</span>"
                       "<span class=\"kpi\"><b>{}</b>duration</span><span class=\"kpi\"><b>{}</b>emissions</span></div>",
                       units::format_energy(s.gross_j), units::format_energy(s.net_j), units::format_duration(s.duration_s),
                       run.g_co2e ? units::format_mass_co2e(*run.g_co2e) : std::string("no zone given"));

    LineChart power;
    power.title = "Power over time per component";
    power.x_label = "seconds since the job started (negative: idle baseline)";
    power.y_label = "W";
    power.series = power_series(run.timeline, 800);
    bool epochs = false;
    for (const auto& p : s.phases) epochs = epochs || is_epoch(p.name);
    for (const auto& p : s.phases)
        if (epochs ? is_epoch(p.name) : p.depth == 0) power.bands.push_back({p.start_s, p.end_s, p.name});
    out += render(power);

    if (!s.phases.empty()) {
        BarChart bars;
        bars.title = "Energy per phase";
        bars.y_label = "J";
        bars.series_names = {"gross", "net of baseline"};
        for (const auto& p : s.phases) bars.groups.push_back({p.name, {p.gross_j, p.net_j}, {}});
        out += render(bars);
    }
    if (epochs) {
        LineChart quality;
        quality.title = "Accuracy and loss per epoch";
        quality.x_label = "epoch";
        quality.y_label = "value reported by the workload";
        quality.markers = true;
        std::map<std::string, Series> metric_series, factor_series;
        int index = 0;
        for (const auto& p : s.phases) {
            if (!is_epoch(p.name)) continue;
            ++index;
            for (const auto& [name, value] : p.metrics)
                if (name == "accuracy" || name == "val_accuracy" || name == "loss" || name == "val_loss") {
                    metric_series[name].name = name;
                    metric_series[name].x.push_back(index);
                    metric_series[name].y.push_back(value);
                }
            const bool net = s.baseline_s > 0 && p.net_j > 0;
            for (const auto& f : analysis::efficiency_factors(p.metrics, net ? p.net_j : p.gross_j, net ? "net" : "gross")) {
                auto& series = factor_series[f.name];
                series.name = f.name + " (" + f.unit + ")";
                series.x.push_back(index);
                series.y.push_back(f.value);
            }
        }
        for (auto& [_, series] : metric_series) quality.series.push_back(series);
        if (!quality.series.empty()) out += render(quality);
        for (auto& [name, series] : factor_series) {
            // One chart per factor: their scales differ by orders of magnitude.
            LineChart efficiency;
            efficiency.title = "Efficiency per epoch: " + series.name;
            efficiency.x_label = "epoch";
            efficiency.y_label = series.name;
            efficiency.markers = true;
            efficiency.height = 220;
            efficiency.series = {series};
            out += render(efficiency);
        }
    }
    if (!run.backtest.empty()) {
        LineChart pred;
        pred.title = "Total energy predicted after k epochs, 95 % interval, and the actual";
        pred.x_label = "epochs observed (k)";
        pred.y_label = "J";
        pred.markers = true;
        Series mid{"predicted", {}, {}}, lo{"interval low", {}, {}}, hi{"interval high", {}, {}}, actual{"actual", {}, {}};
        for (const auto& b : run.backtest) {
            const double k = double(b.k);
            mid.x.push_back(k);
            mid.y.push_back(b.prediction.energy_j);
            lo.x.push_back(k);
            lo.y.push_back(b.prediction.energy_low_j.value_or(NAN));
            hi.x.push_back(k);
            hi.y.push_back(b.prediction.energy_high_j.value_or(NAN));
            actual.x.push_back(k);
            actual.y.push_back(b.prediction.energy_j / (1.0 + b.energy_error_pct / 100.0));
        }
        pred.series = {mid, lo, hi, actual};
        out += render(pred);
    }
    for (const char* id : {"overview", "components", "phases", "prediction", "quality"}) out += table_block(tables, prefix + id);
    out += "<h3>Data-quality notes</h3>" + notes_list(s.notes.empty() ? std::vector<std::string>{"none"} : s.notes);
    return out + "</section>";
}

std::string experiment_section(const experiment::ExperimentResults& r) {
    const auto tables = experiment_tables(r);
    const std::string prefix = tables.front().id.substr(0, tables.front().id.size() - std::string("runs").size());
    std::string out = fmt::format("<section class=\"experiment\"><h2>Experiment {}</h2>", html_escape(r.spec.name));
    out += fmt::format("<p class=\"meta\">{} planned runs: {} finished, {} failed; cool-down {} s; order {}.{}</p>", r.info.total,
                       r.info.finished, r.info.failed, r.spec.cooldown_s,
                       r.spec.randomize ? fmt::format("randomised (seed {})", r.spec.seed) : std::string("scenario by scenario"),
                       r.bare_power_w ? fmt::format(" Bare system: {:.3g} W (baseline scenario).", *r.bare_power_w) : std::string());
    BarChart side;
    side.title = "Scenarios side by side: mean energy per run (95 % CI)";
    side.y_label = "J";
    side.series_names = {"gross"};
    if (r.bare_power_w) side.series_names.push_back("adjusted for the bare system");
    BoxPlot spread, durations;
    spread.title = "Spread of gross energy across repetitions";
    spread.y_label = "J";
    durations.title = "Spread of duration across repetitions";
    durations.y_label = "s";
    for (const auto& sr : r.scenarios) {
        if (!sr.stats) continue;
        BarGroup g{sr.scenario.name, {}, {}};
        for (const char* name : {"gross_energy_j", "adjusted_energy_j"}) {
            if (std::string(name) == "adjusted_energy_j" && !r.bare_power_w) continue;
            const auto* i = analysis::find_indicator(sr.stats->indicators, name);
            g.values.push_back(i ? i->stats.mean : NAN);
            g.errors.push_back(i && i->stats.n > 1 ? std::optional(std::make_pair(i->stats.ci95_low, i->stats.ci95_high)) : std::nullopt);
        }
        side.groups.push_back(std::move(g));
        auto box = [&](const char* name) {
            const auto* i = analysis::find_indicator(sr.stats->indicators, name);
            Box b;
            b.label = sr.scenario.name;
            if (!i) return b;
            b.q1 = i->stats.q1;
            b.median = i->stats.median;
            b.q3 = i->stats.q3;
            b.low = i->stats.min;
            b.high = i->stats.max;
            b.points = i->values;
            b.outlier.assign(i->values.size(), false);
            for (const auto idx : i->stats.outliers) b.outlier[idx] = true;
            return b;
        };
        spread.boxes.push_back(box("gross_energy_j"));
        durations.boxes.push_back(box("duration_s"));
    }
    if (!side.groups.empty()) out += render(side) + render(spread) + render(durations);
    for (const auto& sr : r.scenarios) {
        if (!sr.stats || sr.stats->phases.empty()) continue;
        BarChart phases;
        phases.title = fmt::format("{}: energy per phase, mean of {} repetitions (95 % CI)", sr.scenario.name, sr.stats->runs);
        phases.y_label = "J";
        phases.series_names = {"gross"};
        for (const auto& p : sr.stats->phases) {
            const auto* i = analysis::find_indicator(p.indicators, "gross_energy_j");
            if (!i) continue;
            phases.groups.push_back({p.phase, {i->stats.mean},
                                     {i->stats.n > 1 ? std::optional(std::make_pair(i->stats.ci95_low, i->stats.ci95_high))
                                                     : std::nullopt}});
        }
        if (!phases.groups.empty()) out += render(phases);
    }
    for (const char* id : {"scenarios", "statistics", "correlations", "runs"}) out += table_block(tables, prefix + id);
    std::vector<std::string> notes = r.notes;
    for (const auto& sr : r.scenarios)
        if (sr.stats)
            for (const auto& n : sr.stats->notes) notes.push_back(sr.scenario.name + ": " + n);
    out += "<h3>Notes</h3>" + notes_list(notes.empty() ? std::vector<std::string>{"none"} : notes);
    return out + "</section>";
}

// A distributed job: what each node measured with its own carbon, the nodes that never
// reported (named, never summed as zero), and every rank's phases by wall time.
std::string job_section(const record::JobSummary& job) {
    const auto tables = job_tables(job);
    std::string out = fmt::format("<section><h2>Job {}</h2><p class=\"meta\">{} of {} expected nodes reported, {} ranks{}; "
                                  "{} to {}.</p>",
                                  html_escape(job.key), job.nodes.size(), std::max(job.expected_nodes.size(), job.nodes.size()),
                                  job.ranks_reported, job.world_size > 0 ? fmt::format(" of {}", job.world_size) : "",
                                  format_rfc3339(job.started_utc_ms), format_rfc3339(job.ended_utc_ms));
    if (!job.complete())
        out += "<p><strong>Incomplete:</strong> " + html_escape(fmt::format("{}", fmt::join(job.missing_nodes, ", "))) +
               " never reported; the sums leave them out.</p>";
    for (const auto& t : tables) out += table_block(tables, t.id);
    out += "<h3>Notes</h3>" + notes_list(job.notes.empty() ? std::vector<std::string>{"none"} : job.notes);
    return out + "</section>";
}

}  // namespace

std::string render_html(const ReportInput& input) {
    std::string out = report_page_start("PowerML efficiency report", k_style);
    out += fmt::format("<p class=\"meta\">Generated by {} at {} from {}. Energies in joules (1 Wh = 3600 J); intervals are "
                       "95 %; statistics by Student t, Shapiro-Wilk (Royston), Pearson and Spearman. Self-contained: no "
                       "script, no network.</p>",
                       html_escape(input.generator), format_rfc3339(input.generated_utc_ms), html_escape(input.db_path));
    for (const auto& j : input.jobs) out += job_section(j);
    for (const auto& e : input.experiments) out += experiment_section(e);
    for (const auto& r : input.runs) out += run_section(r);
    out += "</body></html>\n";
    return out;
}

}  // namespace powerml::report
