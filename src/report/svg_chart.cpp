#include "powerml/report/svg_chart.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "powerml/report/table.hpp"

namespace powerml::report {

namespace {

// Colour-blind-safe palette (Okabe & Ito 2008).
const char* colour(std::size_t i) {
    static const char* palette[] = {"#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"};
    return palette[i % 8];
}

constexpr int k_left = 70, k_right = 20, k_top = 46, k_bottom = 46;

struct Scale {
    double d0, d1, r0, r1;
    double operator()(double v) const { return d1 == d0 ? (r0 + r1) / 2 : r0 + (v - d0) / (d1 - d0) * (r1 - r0); }
};

std::string number_label(double v) {
    if (v == 0) return "0";
    const double a = std::fabs(v);
    if (a >= 1e5 || a < 1e-3) return fmt::format("{:.2g}", v);
    return fmt::format("{:.4g}", v);
}

std::string open_svg(int width, int height, std::size_t points, const std::string& title, const std::string& kind) {
    return fmt::format(
        "<svg class=\"chart\" data-kind=\"{}\" data-points=\"{}\" viewBox=\"0 0 {} {}\" "
        "width=\"{}\" height=\"{}\" role=\"img\" aria-label=\"{}\"><title>{}</title>"
        "<text x=\"{}\" y=\"20\" class=\"chart-title\">{}</text>",
        kind, points, width, height, width, height, html_escape(title), html_escape(title), k_left, html_escape(title));
}

std::string y_axis(const Scale& y, const std::vector<double>& ticks, int width, const std::string& label, int height) {
    std::string out;
    for (const double t : ticks) {
        const double py = y(t);
        out += fmt::format("<line x1=\"{}\" x2=\"{}\" y1=\"{:.1f}\" y2=\"{:.1f}\" class=\"grid\"/>", k_left, width - k_right, py, py);
        out += fmt::format("<text x=\"{}\" y=\"{:.1f}\" class=\"tick\" text-anchor=\"end\">{}</text>", k_left - 6, py + 4,
                           number_label(t));
    }
    out += fmt::format("<text transform=\"translate(14 {}) rotate(-90)\" class=\"axis-label\" text-anchor=\"middle\">{}</text>",
                       (k_top + height - k_bottom) / 2, html_escape(label));
    return out;
}

std::pair<double, double> padded(double lo, double hi, bool include_zero) {
    if (include_zero) {
        lo = std::min(lo, 0.0);
        hi = std::max(hi, 0.0);
    }
    if (!(hi > lo)) {
        const double pad = std::fabs(hi) > 0 ? std::fabs(hi) * 0.1 : 1.0;
        return {lo - pad, hi + pad};
    }
    return {lo, hi};
}

std::string legend(const std::vector<std::string>& names, int width) {
    std::string out;
    double x = width - k_right;
    for (std::size_t i = names.size(); i-- > 0;) {
        const double w = 18 + 6.5 * static_cast<double>(names[i].size());
        x -= w + 10;
        out += fmt::format("<rect x=\"{:.1f}\" y=\"25\" width=\"12\" height=\"12\" fill=\"{}\"/>"
                           "<text x=\"{:.1f}\" y=\"35\" class=\"legend\">{}</text>",
                           x, colour(i), x + 16, html_escape(names[i]));
    }
    return out;
}

}  // namespace

std::vector<double> nice_ticks(double lo, double hi, int count) {
    std::vector<double> out;
    if (!(hi > lo) || !std::isfinite(lo) || !std::isfinite(hi)) return {lo};
    const double raw = (hi - lo) / std::max(count, 1);
    const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
    double step = magnitude * 10;
    for (const double m : {1.0, 2.0, 2.5, 5.0, 10.0})
        if (m * magnitude >= raw) {
            step = m * magnitude;
            break;
        }
    for (double t = std::ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) out.push_back(std::fabs(t) < step * 1e-9 ? 0.0 : t);
    return out;
}

std::string render(const LineChart& chart) {
    double x0 = std::numeric_limits<double>::infinity(), x1 = -x0, y0 = x0, y1 = -x0;
    std::size_t points = 0;
    for (const auto& s : chart.series)
        for (std::size_t i = 0; i < s.x.size() && i < s.y.size(); ++i) {
            if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) continue;
            x0 = std::min(x0, s.x[i]);
            x1 = std::max(x1, s.x[i]);
            y0 = std::min(y0, s.y[i]);
            y1 = std::max(y1, s.y[i]);
            ++points;
        }
    std::string out = open_svg(chart.width, chart.height, points, chart.title, "line");
    if (points == 0) return out + "<text x=\"80\" y=\"80\" class=\"empty\">no data</text></svg>";
    for (const auto& b : chart.bands) {
        x0 = std::min(x0, b.from);
        x1 = std::max(x1, b.to);
    }
    std::tie(x0, x1) = padded(x0, x1, false);
    std::tie(y0, y1) = padded(y0, y1, true);
    y1 += (y1 - y0) * 0.06;
    const auto yt = nice_ticks(y0, y1);
    y1 = std::max(y1, yt.back());
    const Scale x{x0, x1, double(k_left), double(chart.width - k_right)};
    const Scale y{y0, y1, double(chart.height - k_bottom), double(k_top)};
    for (std::size_t i = 0; i < chart.bands.size(); ++i) {
        const auto& b = chart.bands[i];
        out += fmt::format("<rect class=\"band\" x=\"{:.1f}\" y=\"{}\" width=\"{:.1f}\" height=\"{}\" fill-opacity=\"{}\">"
                           "<title>{}</title></rect><text x=\"{:.1f}\" y=\"{}\" class=\"band-label\">{}</text>",
                           x(b.from), k_top, std::max(0.5, x(b.to) - x(b.from)), chart.height - k_top - k_bottom,
                           i % 2 ? "0.10" : "0.18", html_escape(b.label), x(b.from) + 2, k_top + 10 + 10 * (i % 2),
                           html_escape(b.label.size() > 12 ? b.label.substr(0, 12) : b.label));
    }
    out += y_axis(y, yt, chart.width, chart.y_label, chart.height);
    for (const double t : nice_ticks(x0, x1, 8))
        out += fmt::format("<text x=\"{:.1f}\" y=\"{}\" class=\"tick\" text-anchor=\"middle\">{}</text>", x(t),
                           chart.height - k_bottom + 16, number_label(t));
    out += fmt::format("<text x=\"{}\" y=\"{}\" class=\"axis-label\" text-anchor=\"middle\">{}</text>",
                       (k_left + chart.width - k_right) / 2, chart.height - 8, html_escape(chart.x_label));
    std::vector<std::string> names;
    for (std::size_t si = 0; si < chart.series.size(); ++si) {
        const auto& s = chart.series[si];
        names.push_back(s.name);
        std::string path;
        bool pen_down = false;
        for (std::size_t i = 0; i < s.x.size() && i < s.y.size(); ++i) {
            if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) {
                pen_down = false;  // a gap in the data stays a gap in the line
                continue;
            }
            path += fmt::format("{}{:.1f},{:.1f}", pen_down ? " L" : " M", x(s.x[i]), y(s.y[i]));
            pen_down = true;
            if (chart.markers)
                out += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3\" fill=\"{}\"/>", x(s.x[i]), y(s.y[i]), colour(si));
        }
        out += fmt::format("<path d=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"1.6\"><title>{}</title></path>", path,
                           colour(si), html_escape(s.name));
    }
    return out + legend(names, chart.width) + "</svg>";
}

std::string render(const BarChart& chart) {
    double lo = 0, hi = 0;
    std::size_t points = 0;
    for (const auto& g : chart.groups)
        for (std::size_t i = 0; i < g.values.size(); ++i) {
            if (!std::isfinite(g.values[i])) continue;
            ++points;
            lo = std::min(lo, g.values[i]);
            hi = std::max(hi, g.values[i]);
            if (i < g.errors.size() && g.errors[i]) {
                lo = std::min(lo, g.errors[i]->first);
                hi = std::max(hi, g.errors[i]->second);
            }
        }
    std::string out = open_svg(chart.width, chart.height, points, chart.title, "bar");
    if (points == 0) return out + "<text x=\"80\" y=\"80\" class=\"empty\">no data</text></svg>";
    std::tie(lo, hi) = padded(lo, hi, true);
    hi += (hi - lo) * 0.06;
    const auto yt = nice_ticks(lo, hi);
    hi = std::max(hi, yt.back());
    const Scale y{lo, hi, double(chart.height - k_bottom), double(k_top)};
    out += y_axis(y, yt, chart.width, chart.y_label, chart.height);
    const double slot = double(chart.width - k_left - k_right) / double(std::max<std::size_t>(chart.groups.size(), 1));
    const std::size_t per = std::max<std::size_t>(chart.series_names.size(), 1);
    const double bar = std::min(60.0, slot * 0.8 / double(per));
    for (std::size_t gi = 0; gi < chart.groups.size(); ++gi) {
        const auto& g = chart.groups[gi];
        const double left = k_left + slot * double(gi) + (slot - bar * double(per)) / 2;
        for (std::size_t i = 0; i < g.values.size(); ++i) {
            if (!std::isfinite(g.values[i])) continue;
            const double bx = left + bar * double(i), top = y(std::max(g.values[i], 0.0)), base = y(std::min(g.values[i], 0.0));
            out += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"{}\"><title>{} {}: {}</title></rect>",
                               bx, top, bar - 2, std::max(0.5, base - top), colour(i), html_escape(g.category),
                               html_escape(i < chart.series_names.size() ? chart.series_names[i] : ""), number_label(g.values[i]));
            if (i < g.errors.size() && g.errors[i]) {
                const double cx = bx + (bar - 2) / 2, ylo = y(g.errors[i]->first), yhi = y(g.errors[i]->second);
                out += fmt::format("<path d=\"M{0:.1f},{1:.1f} L{0:.1f},{2:.1f} M{3:.1f},{1:.1f} L{4:.1f},{1:.1f} M{3:.1f},{2:.1f} "
                                   "L{4:.1f},{2:.1f}\" class=\"errorbar\"/>",
                                   cx, ylo, yhi, cx - 4, cx + 4);
            }
        }
        std::string label = g.category.size() > 18 ? g.category.substr(0, 17) + "…" : g.category;
        out += fmt::format("<text x=\"{:.1f}\" y=\"{}\" class=\"tick\" text-anchor=\"middle\">{}</text>", k_left + slot * (gi + 0.5),
                           chart.height - k_bottom + 16, html_escape(label));
    }
    out += fmt::format("<line x1=\"{}\" x2=\"{}\" y1=\"{:.1f}\" y2=\"{:.1f}\" class=\"axis\"/>", k_left, chart.width - k_right, y(0), y(0));
    if (chart.series_names.size() > 1) out += legend(chart.series_names, chart.width);
    return out + "</svg>";
}

std::string render(const BoxPlot& chart) {
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    std::size_t points = 0;
    for (const auto& b : chart.boxes) {
        lo = std::min({lo, b.low, b.q1});
        hi = std::max({hi, b.high, b.q3});
        for (const double p : b.points) {
            lo = std::min(lo, p);
            hi = std::max(hi, p);
            ++points;
        }
    }
    std::string out = open_svg(chart.width, chart.height, points, chart.title, "box");
    if (points == 0) return out + "<text x=\"80\" y=\"80\" class=\"empty\">no data</text></svg>";
    std::tie(lo, hi) = padded(lo, hi, false);
    const double pad = (hi - lo) * 0.05;
    lo -= pad;
    hi += pad;
    const auto yt = nice_ticks(lo, hi);
    const Scale y{lo, hi, double(chart.height - k_bottom), double(k_top)};
    out += y_axis(y, yt, chart.width, chart.y_label, chart.height);
    const double slot = double(chart.width - k_left - k_right) / double(chart.boxes.size());
    for (std::size_t bi = 0; bi < chart.boxes.size(); ++bi) {
        const auto& b = chart.boxes[bi];
        const double cx = k_left + slot * (bi + 0.5), w = std::min(50.0, slot * 0.4);
        out += fmt::format("<path d=\"M{0:.1f},{1:.1f} L{0:.1f},{2:.1f} M{0:.1f},{3:.1f} L{0:.1f},{4:.1f}\" class=\"whisker\"/>", cx,
                           y(b.high), y(b.q3), y(b.q1), y(b.low));
        out += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"{}\" fill-opacity=\"0.35\" "
                           "stroke=\"{}\"/>",
                           cx - w / 2, y(b.q3), w, std::max(0.5, y(b.q1) - y(b.q3)), colour(bi), colour(bi));
        out += fmt::format("<line x1=\"{:.1f}\" x2=\"{:.1f}\" y1=\"{:.1f}\" y2=\"{:.1f}\" class=\"median\"/>", cx - w / 2, cx + w / 2,
                           y(b.median), y(b.median));
        for (std::size_t i = 0; i < b.points.size(); ++i) {
            // Spread the points sideways a little (deterministic), so equal values stay visible.
            const double jitter = (double((i * 37) % 11) / 10.0 - 0.5) * w * 0.6;
            const bool out_flag = i < b.outlier.size() && b.outlier[i];
            out += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"{}\" class=\"{}\"><title>{}</title></circle>", cx + jitter,
                               y(b.points[i]), out_flag ? 4 : 2.5, out_flag ? "outlier" : "point", number_label(b.points[i]));
        }
        out += fmt::format("<text x=\"{:.1f}\" y=\"{}\" class=\"tick\" text-anchor=\"middle\">{}</text>", cx,
                           chart.height - k_bottom + 16, html_escape(b.label));
    }
    return out + "</svg>";
}

}  // namespace powerml::report
