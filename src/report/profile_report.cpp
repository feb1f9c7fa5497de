#include "powerml/report/profile_report.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "report_style.hpp"

#include "powerml/report/svg_chart.hpp"

namespace powerml::report {

namespace {

using workloads::ModelProfile;
using workloads::Profile;

constexpr const char* k_style = R"(
.chart-title{font-size:14px;font-weight:600}.tick,.legend,.point-label{font-size:11px;fill:#444}.axis-label{font-size:12px;fill:#222}
.grid{stroke:#e8e8e8}.axis{stroke:#666}.errorbar{stroke:#222;stroke-width:1.2;fill:none}.empty{fill:#999}
.fit{stroke-dasharray:6 4;stroke-width:1.4}.notes li{margin:2px 0}.meta{color:#555;font-size:13px}
)";

const char* colour(std::size_t i) {
    static const char* palette[] = {"#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"};
    return palette[i % 8];
}

std::string number(double v) {
    if (v == 0) return "0";
    const double a = std::fabs(v);
    return a >= 1e5 || a < 1e-3 ? fmt::format("{:.2g}", v) : fmt::format("{:.4g}", v);
}

// Points (optionally joined in x order) and, per series, an optional straight fit line:
// seed 001's scatter plots. data-points counts the finite points drawn.
struct XySeries {
    std::string name;
    std::vector<double> x, y;
    std::vector<std::string> labels;  // one per point, drawn beside it (empty: none)
    bool connect = false;
    std::optional<std::pair<double, double>> line;  // intercept, slope (y = a + b x)
};

struct XyChart {
    std::string title, subtitle, x_label, y_label;
    std::vector<XySeries> series;
    int width = 860, height = 360;
};

std::string render_xy(const XyChart& chart) {
    constexpr int left = 70, right = 20, top = 52, bottom = 46;
    double x0 = std::numeric_limits<double>::infinity(), x1 = -x0, y0 = x0, y1 = -x0;
    std::size_t points = 0;
    for (const auto& s : chart.series)
        for (std::size_t i = 0; i < s.x.size() && i < s.y.size(); ++i)
            if (std::isfinite(s.x[i]) && std::isfinite(s.y[i])) {
                x0 = std::min(x0, s.x[i]);
                x1 = std::max(x1, s.x[i]);
                y0 = std::min(y0, s.y[i]);
                y1 = std::max(y1, s.y[i]);
                ++points;
            }
    const int legend_rows = static_cast<int>((chart.series.size() + 4) / 5);
    const int height = chart.height + 16 * legend_rows;
    std::string out = fmt::format(
        "<svg class=\"chart\" data-kind=\"xy\" data-points=\"{}\" viewBox=\"0 0 {} {}\" width=\"{}\" height=\"{}\" role=\"img\" "
        "aria-label=\"{}\"><title>{}</title><text x=\"{}\" y=\"20\" class=\"chart-title\">{}</text>"
        "<text x=\"{}\" y=\"38\" class=\"legend\">{}</text>",
        points, chart.width, height, chart.width, height, html_escape(chart.title), html_escape(chart.title + " " + chart.subtitle), left,
        html_escape(chart.title), left, html_escape(chart.subtitle));
    if (points == 0) return out + "<text x=\"80\" y=\"80\" class=\"empty\">no data</text></svg>";
    const auto pad = [](double& lo, double& hi) {
        const double span = hi > lo ? hi - lo : (std::fabs(hi) > 0 ? std::fabs(hi) : 1.0);
        lo -= span * 0.06;
        hi += span * 0.06;
    };
    pad(x0, x1);
    pad(y0, y1);
    const double plot_bottom = chart.height - bottom;
    const auto px = [&](double v) { return left + (v - x0) / (x1 - x0) * (chart.width - left - right); };
    const auto py = [&](double v) { return plot_bottom - (v - y0) / (y1 - y0) * (plot_bottom - top); };
    for (const double t : nice_ticks(y0, y1)) {
        if (t < y0 || t > y1) continue;
        out += fmt::format("<line x1=\"{}\" x2=\"{}\" y1=\"{:.1f}\" y2=\"{:.1f}\" class=\"grid\"/><text x=\"{}\" y=\"{:.1f}\" class=\"tick\" "
                           "text-anchor=\"end\">{}</text>",
                           left, chart.width - right, py(t), py(t), left - 6, py(t) + 4, number(t));
    }
    for (const double t : nice_ticks(x0, x1, 8)) {
        if (t < x0 || t > x1) continue;
        out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" class=\"tick\" text-anchor=\"middle\">{}</text>", px(t), plot_bottom + 16,
                           number(t));
    }
    out += fmt::format("<line x1=\"{}\" x2=\"{}\" y1=\"{:.1f}\" y2=\"{:.1f}\" class=\"axis\"/>", left, chart.width - right, plot_bottom,
                       plot_bottom);
    out += fmt::format("<text x=\"{}\" y=\"{:.1f}\" class=\"axis-label\" text-anchor=\"middle\">{}</text>", (left + chart.width - right) / 2,
                       plot_bottom + 36, html_escape(chart.x_label));
    out += fmt::format("<text transform=\"translate(14 {:.1f}) rotate(-90)\" class=\"axis-label\" text-anchor=\"middle\">{}</text>",
                       (top + plot_bottom) / 2, html_escape(chart.y_label));
    for (std::size_t si = 0; si < chart.series.size(); ++si) {
        const auto& s = chart.series[si];
        if (s.line) {
            const auto [a, b] = *s.line;
            double lx0 = x1, lx1 = x0;
            for (double v : s.x)
                if (std::isfinite(v)) {
                    lx0 = std::min(lx0, v);
                    lx1 = std::max(lx1, v);
                }
            out += fmt::format("<path d=\"M{:.1f},{:.1f} L{:.1f},{:.1f}\" class=\"fit\" stroke=\"{}\" fill=\"none\"><title>{} fit</title></path>",
                               px(lx0), py(a + b * lx0), px(lx1), py(a + b * lx1), colour(si), html_escape(s.name));
        }
        std::vector<std::size_t> order;
        for (std::size_t i = 0; i < s.x.size() && i < s.y.size(); ++i)
            if (std::isfinite(s.x[i]) && std::isfinite(s.y[i])) order.push_back(i);
        if (s.connect && order.size() > 1) {
            std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return s.x[a] < s.x[b]; });
            std::string path;
            for (std::size_t k = 0; k < order.size(); ++k) path += fmt::format("{}{:.1f},{:.1f}", k ? " L" : "M", px(s.x[order[k]]), py(s.y[order[k]]));
            out += fmt::format("<path d=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"1.4\"/>", path, colour(si));
        }
        for (std::size_t i : order) {
            const std::string label = i < s.labels.size() ? s.labels[i] : std::string();
            out += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3.5\" fill=\"{}\"><title>{}{}{}, {}</title></circle>", px(s.x[i]),
                               py(s.y[i]), colour(si), html_escape(s.name), label.empty() ? "" : " ", html_escape(label), number(s.y[i]));
            if (!label.empty())
                out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" class=\"point-label\">{}</text>", px(s.x[i]) + 5, py(s.y[i]) - 4,
                                   html_escape(label));
        }
    }
    for (std::size_t si = 0; si < chart.series.size(); ++si) {
        const double lx = left + 160.0 * static_cast<double>(si % 5), ly = chart.height + 16.0 * static_cast<double>(si / 5) - 4;
        out += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"10\" height=\"10\" fill=\"{}\"/><text x=\"{:.1f}\" y=\"{:.1f}\" "
                           "class=\"legend\">{}</text>",
                           lx, ly - 9, colour(si), lx + 14, ly, html_escape(chart.series[si].name));
    }
    return out + "</svg>";
}

std::vector<int> batch_sizes(const Profile& p) {
    std::set<int> sizes;
    for (const auto& m : p.models) sizes.insert(m.batch_size);
    return {sizes.begin(), sizes.end()};
}

const workloads::PhaseProfile& phase_of(const ModelProfile& m, const std::string& phase) { return phase == "train" ? m.train : m.infer; }

double feature_of(const ModelProfile& m, const std::string& feature) {
    if (feature == "macs") return m.characteristics.macs;
    if (feature == "params") return static_cast<double>(m.characteristics.total_params);
    return m.characteristics.macs_per_param();
}

const workloads::Correlation* find_correlation(const Profile& p, const std::string& phase, int batch, const std::string& feature) {
    for (const auto& c : p.correlations)
        if (c.phase == phase && c.batch_size == batch && c.feature == feature) return &c;
    return nullptr;
}

const workloads::PowerLawFit* find_fit(const Profile& p, const std::string& phase, int batch, const std::string& feature) {
    for (const auto& f : p.fits)
        if (f.phase == phase && f.batch_size == batch && f.feature == feature) return &f;
    return nullptr;
}

std::string optional_text(const std::optional<double>& v) { return v ? fmt::format("{:.2f}", *v) : std::string("-"); }

// Seed 001's scatter: log10 energy per sample against log10 feature, training and inference,
// each with its fitted line; the title carries rho and the exponent.
std::string energy_scatter(const Profile& p, int batch, const std::string& feature, const std::string& feature_label) {
    XyChart chart;
    std::string summary;
    for (const std::string phase : {"train", "infer"}) {
        XySeries s;
        s.name = phase == "train" ? "training" : "inference";
        for (const auto& m : p.models) {
            if (m.batch_size != batch) continue;
            const double e = phase_of(m, phase).energy_per_sample_j.mean, f = feature_of(m, feature);
            if (!(e > 0) || !(f > 0)) continue;  // no logarithm; the table lists them
            s.x.push_back(std::log10(f));
            s.y.push_back(std::log10(e));
            s.labels.push_back(phase == "train" ? m.model : "");
        }
        const auto* fit = find_fit(p, phase, batch, feature);
        if (fit) s.line = std::make_pair(fit->log_intercept, fit->exponent);
        const auto* c = find_correlation(p, phase, batch, feature);
        summary += fmt::format("{}{}: rho {}{}", summary.empty() ? "" : "; ", s.name, c ? optional_text(c->spearman) : "-",
                               fit ? fmt::format(", slope {:.2f}", fit->exponent) : "");
        chart.series.push_back(std::move(s));
    }
    chart.title = fmt::format("Energy per sample vs {}, batch {}", feature_label, batch);
    chart.subtitle = "Spearman rho and fitted log-log slope: " + summary;
    chart.x_label = "log10 " + feature_label;
    chart.y_label = "log10 net J per sample";
    return render_xy(chart);
}

std::string figure_table(const std::vector<Table>& tables, const std::string& id) {
    for (const auto& t : tables)
        if (t.id == id)
            return fmt::format("<p class=\"meta\">Table {} (also {}.csv / {}.json with report --tables DIR):</p>{}", html_escape(t.title),
                               html_escape(t.id), html_escape(t.id), t.to_html());
    return {};
}

}  // namespace

std::vector<Table> profile_tables(const Profile& p) {
    std::vector<Table> out;
    Table models{"profile-models", "Models and their characteristics",
                 {"model", "batch_size", "macs", "total_params", "trainable_params", "macs_per_param", "train_time_s", "train_net_j",
                  "infer_time_s", "infer_net_j"},
                 {}};
    Table per_param{"profile-energy-vs-macs-per-param", "Energy per sample vs MACs per parameter",
                    {"model", "batch_size", "macs_per_param", "train_j_per_sample", "infer_j_per_sample"}, {}};
    Table per_macs{"profile-energy-vs-macs", "Energy per sample vs MACs", {"model", "batch_size", "macs", "train_j_per_sample", "infer_j_per_sample"}, {}};
    Table batch{"profile-energy-vs-batch-size", "Energy per sample vs batch size",
                {"model", "batch_size", "train_j_per_sample", "train_j_per_sample_sd", "infer_j_per_sample", "infer_j_per_sample_sd"}, {}};
    Table times{"profile-train-vs-infer-time", "Training vs inference time per sample",
                {"model", "batch_size", "train_s_per_sample", "infer_s_per_sample", "train_infer_time_ratio"}, {}};
    Table power{"profile-mean-power", "Mean net power per model", {"model", "batch_size", "train_w", "train_w_sd", "infer_w", "infer_w_sd"}, {}};
    for (const auto& m : p.models) {
        const auto& c = m.characteristics;
        const double b = m.batch_size;
        models.rows.push_back({m.model, b, c.macs, static_cast<double>(c.total_params), static_cast<double>(c.trainable_params),
                               c.macs_per_param(), m.train.time_s.mean, m.train.energy_j.mean, m.infer.time_s.mean, m.infer.energy_j.mean});
        per_param.rows.push_back({m.model, b, c.macs_per_param(), m.train.energy_per_sample_j.mean, m.infer.energy_per_sample_j.mean});
        per_macs.rows.push_back({m.model, b, c.macs, m.train.energy_per_sample_j.mean, m.infer.energy_per_sample_j.mean});
        batch.rows.push_back({m.model, b, m.train.energy_per_sample_j.mean, m.train.energy_per_sample_j.sd, m.infer.energy_per_sample_j.mean,
                              m.infer.energy_per_sample_j.sd});
        times.rows.push_back({m.model, b, m.train.time_per_sample_s.mean, m.infer.time_per_sample_s.mean, m.train_infer_time_ratio});
        power.rows.push_back({m.model, b, m.train.power_w.mean, m.train.power_w.sd, m.infer.power_w.mean, m.infer.power_w.sd});
    }
    Table correlations{"profile-correlations", "Correlation of energy per sample with model characteristics (across models)",
                       {"phase", "batch_size", "feature", "n", "pearson", "spearman"}, {}};
    const auto cell = [](const std::optional<double>& v) { return v ? Cell{*v} : Cell{}; };
    for (const auto& c : p.correlations)
        correlations.rows.push_back({c.phase, static_cast<double>(c.batch_size), c.feature, static_cast<double>(c.n), cell(c.pearson), cell(c.spearman)});
    Table fits{"profile-fits", "Power laws: log10(J per sample) = intercept + exponent x log10(feature)",
               {"phase", "batch_size", "feature", "n", "log10_intercept", "exponent", "r_squared"}, {}};
    for (const auto& f : p.fits)
        fits.rows.push_back({f.phase, static_cast<double>(f.batch_size), f.feature, static_cast<double>(f.n), f.log_intercept, f.exponent, f.r_squared});
    for (auto* t : {&models, &per_param, &per_macs, &batch, &times, &power, &correlations, &fits}) out.push_back(std::move(*t));
    return out;
}

std::string render_profile_html(const Profile& p, const std::string& generator, UtcMillis generated_utc_ms, const std::string& source) {
    const auto tables = profile_tables(p);
    std::string out = report_page_start("PowerML profile report", k_style);
    out += fmt::format("<p class=\"meta\">Generated by {} at {} from {} (run {}, host {}). {} model(s); {} training and {} inference "
                       "samples per step on {} data, {} repeat(s){}; idle baseline {:.3g} W subtracted, so every energy is net of the "
                       "idle machine. Fits and correlations were computed by the analysis module when the profile was built "
                       "(least squares in log10-log10; Spearman rho on ranks). Self-contained: no script, no network.</p>",
                       html_escape(generator), format_rfc3339(generated_utc_ms), html_escape(source), html_escape(p.run_id),
                       html_escape(p.host), p.plan.models.size(), p.plan.train_samples, p.plan.infer_samples, html_escape(p.plan.dataset),
                       p.plan.repeat, p.plan.freeze.empty() ? "" : ", training with --freeze " + html_escape(p.plan.freeze),
                       p.baseline_power_w);
    out += "<h2>Sensors</h2><ul class=\"notes\">";
    for (const auto& s : p.sensors) out += "<li>" + html_escape(s) + "</li>";
    if (p.sensors.empty()) out += "<li>not recorded in this profile</li>";
    out += "</ul><p class=\"meta\">A component whose kind is <code>model</code> is estimated from utilisation with a power model, "
           "not measured: its energies describe the model, not the hardware.</p>";
    out += figure_table(tables, "profile-models");

    out += "<h2>Energy vs MACs per parameter</h2>";
    for (int b : batch_sizes(p)) out += energy_scatter(p, b, "macs_per_param", "MACs per parameter");
    out += figure_table(tables, "profile-energy-vs-macs-per-param");
    out += "<h2>Energy vs MACs</h2>";
    for (int b : batch_sizes(p)) out += energy_scatter(p, b, "macs", "MACs");
    out += figure_table(tables, "profile-energy-vs-macs");

    out += "<h2>Energy vs batch size</h2>";
    for (const std::string phase : {"train", "infer"}) {
        XyChart chart;
        chart.title = fmt::format("{} energy per sample vs batch size", phase == "train" ? "Training" : "Inference");
        chart.x_label = "batch size";
        chart.y_label = "net J per sample";
        for (const auto& model : p.plan.models) {
            XySeries s;
            s.name = model;
            s.connect = true;
            for (const auto& m : p.models)
                if (m.model == model) {
                    s.x.push_back(m.batch_size);
                    s.y.push_back(phase_of(m, phase).energy_per_sample_j.mean);
                }
            chart.series.push_back(std::move(s));
        }
        out += render_xy(chart);
    }
    out += figure_table(tables, "profile-energy-vs-batch-size");

    out += "<h2>Training vs inference time</h2>";
    for (int b : batch_sizes(p)) {
        BarChart chart;
        chart.title = fmt::format("Time per sample, batch {} (training / inference ratio in the table)", b);
        chart.y_label = "ms per sample";
        chart.series_names = {"training", "inference"};
        for (const auto& m : p.models)
            if (m.batch_size == b)
                chart.groups.push_back({m.model, {1e3 * m.train.time_per_sample_s.mean, 1e3 * m.infer.time_per_sample_s.mean}, {}});
        out += render(chart);
    }
    out += figure_table(tables, "profile-train-vs-infer-time");

    out += "<h2>Mean power per model</h2>";
    for (int b : batch_sizes(p)) {
        BarChart chart;
        chart.title = fmt::format("Mean net power, batch {} (error bars: +/- 1 sd over repeats)", b);
        chart.y_label = "W above idle";
        chart.series_names = {"training", "inference"};
        for (const auto& m : p.models) {
            if (m.batch_size != b) continue;
            BarGroup g{m.model, {m.train.power_w.mean, m.infer.power_w.mean}, {}};
            for (const auto* s : {&m.train.power_w, &m.infer.power_w})
                g.errors.push_back(m.repeats > 1 ? std::optional(std::make_pair(s->mean - s->sd, s->mean + s->sd)) : std::nullopt);
            chart.groups.push_back(std::move(g));
        }
        out += render(chart);
    }
    out += figure_table(tables, "profile-mean-power");

    out += "<h2>Correlations and fits</h2>";
    out += figure_table(tables, "profile-correlations");
    out += figure_table(tables, "profile-fits");
    out += "<h2>Notes</h2><ul class=\"notes\">";
    for (const auto& n : p.notes) out += "<li>" + html_escape(n) + "</li>";
    if (p.notes.empty()) out += "<li>none</li>";
    return out + "</ul></body></html>\n";
}

}  // namespace powerml::report
