#include "powerml/analysis/statistics.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include <fmt/format.h>

#include "powerml/analysis/distributions.hpp"
#include "powerml/core/error.hpp"

namespace powerml::analysis {

namespace {

void check_finite(std::span<const double> values, const char* what) {
    for (const double v : values)
        if (!std::isfinite(v)) throw Error(fmt::format("{}: every value must be a finite number", what));
}

double mean_of(std::span<const double> values) {
    return std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
}

}  // namespace

double quantile_sorted(std::span<const double> sorted, double p) {
    if (sorted.empty()) throw Error("quantile of an empty sample");
    const double h = (static_cast<double>(sorted.size()) - 1.0) * std::clamp(p, 0.0, 1.0);
    const auto lo = static_cast<std::size_t>(std::floor(h));
    const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
    return sorted[lo] + (h - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

std::vector<std::size_t> tukey_outliers(std::span<const double> values, double k) {
    std::vector<std::size_t> out;
    if (values.size() < 4) return out;  // quartiles of 3 values fence nothing meaningful
    std::vector<double> sorted(values.begin(), values.end());
    std::sort(sorted.begin(), sorted.end());
    const double q1 = quantile_sorted(sorted, 0.25), q3 = quantile_sorted(sorted, 0.75);
    const double lo = q1 - k * (q3 - q1), hi = q3 + k * (q3 - q1);
    for (std::size_t i = 0; i < values.size(); ++i)
        if (values[i] < lo || values[i] > hi) out.push_back(i);
    return out;
}

Descriptive describe(std::span<const double> values, bool non_negative) {
    if (values.empty()) throw Error("describe: no values");
    check_finite(values, "describe");
    Descriptive d;
    d.n = values.size();
    d.mean = mean_of(values);
    std::vector<double> sorted(values.begin(), values.end());
    std::sort(sorted.begin(), sorted.end());
    d.min = sorted.front();
    d.max = sorted.back();
    d.median = quantile_sorted(sorted, 0.5);
    d.q1 = quantile_sorted(sorted, 0.25);
    d.q3 = quantile_sorted(sorted, 0.75);
    d.iqr = d.q3 - d.q1;
    d.ci95_low = d.ci95_high = d.mean;
    if (d.n >= 2) {
        double ss = 0;
        for (const double v : values) ss += (v - d.mean) * (v - d.mean);
        d.sd = std::sqrt(ss / static_cast<double>(d.n - 1));
        d.se = d.sd / std::sqrt(static_cast<double>(d.n));
        const double t = student_t_quantile(0.975, static_cast<double>(d.n - 1));
        d.ci95_low = d.mean - t * d.se;
        d.ci95_high = d.mean + t * d.se;
        if (non_negative) d.ci95_low = std::max(0.0, d.ci95_low);
    }
    d.cv = d.mean != 0 ? d.sd / std::fabs(d.mean) : 0.0;
    if (d.n >= 3 && d.max > d.min) d.normality = shapiro_wilk(values);
    d.outliers = tukey_outliers(values);
    return d;
}

std::vector<double> ranks(std::span<const double> values) {
    std::vector<std::size_t> order(values.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return values[a] < values[b]; });
    std::vector<double> out(values.size());
    for (std::size_t i = 0; i < order.size();) {
        std::size_t j = i;
        while (j + 1 < order.size() && values[order[j + 1]] == values[order[i]]) ++j;
        const double average = (static_cast<double>(i) + static_cast<double>(j)) / 2.0 + 1.0;  // ranks i+1..j+1
        for (std::size_t k = i; k <= j; ++k) out[order[k]] = average;
        i = j + 1;
    }
    return out;
}

namespace {

Correlation correlate(std::span<const double> x, std::span<const double> y, const char* method) {
    if (x.size() != y.size())
        throw Error(fmt::format("{} correlation: the two indicators have {} and {} values; they must be paired", method,
                                x.size(), y.size()));
    if (x.size() < 3) throw Error(fmt::format("{} correlation needs at least 3 paired values, got {}", method, x.size()));
    check_finite(x, method);
    check_finite(y, method);
    const double mx = mean_of(x), my = mean_of(y);
    double sxy = 0, sxx = 0, syy = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
        sxy += (x[i] - mx) * (y[i] - my);
        sxx += (x[i] - mx) * (x[i] - mx);
        syy += (y[i] - my) * (y[i] - my);
    }
    if (sxx <= 0 || syy <= 0)
        throw Error(fmt::format("{} correlation: one indicator has the same value in every run; r is undefined", method));
    Correlation c;
    c.method = method;
    c.n = x.size();
    c.r = std::clamp(sxy / std::sqrt(sxx * syy), -1.0, 1.0);
    const double df = static_cast<double>(c.n) - 2.0;
    if (std::fabs(c.r) >= 1.0) {
        c.p_value = 0.0;
    } else {
        const double t = c.r * std::sqrt(df / (1.0 - c.r * c.r));
        c.p_value = student_t_two_sided_p(t, df);
    }
    c.ci95_low = c.ci95_high = c.r;
    if (c.n == 3 && std::fabs(c.r) < 1.0) {
        // Fisher's z has sd 1 / sqrt(n - 3): infinite for three pairs. The data rule nothing out.
        c.ci95_low = -1.0;
        c.ci95_high = 1.0;
    } else if (c.n > 3 && std::fabs(c.r) < 1.0) {
        // Fisher's z: atanh(r) is close to normal with sd 1 / sqrt(n - 3).
        const double z = std::atanh(c.r), half = normal_quantile(0.975) / std::sqrt(static_cast<double>(c.n) - 3.0);
        c.ci95_low = std::tanh(z - half);
        c.ci95_high = std::tanh(z + half);
    }
    return c;
}

}  // namespace

Correlation pearson(std::span<const double> x, std::span<const double> y) { return correlate(x, y, "pearson"); }

Correlation spearman(std::span<const double> x, std::span<const double> y) {
    if (x.size() != y.size()) return correlate(x, y, "spearman");  // the same error message
    check_finite(x, "spearman");
    check_finite(y, "spearman");
    const auto rx = ranks(x), ry = ranks(y);
    return correlate(rx, ry, "spearman");
}

LinearFit linear_regression(std::span<const double> x, std::span<const double> y) {
    if (x.size() != y.size())
        throw Error(fmt::format("linear regression: {} x values but {} y values", x.size(), y.size()));
    if (x.size() < 3) throw Error(fmt::format("linear regression needs at least 3 points, got {}", x.size()));
    check_finite(x, "linear regression");
    check_finite(y, "linear regression");
    LinearFit f;
    f.n = x.size();
    f.x_mean = mean_of(x);
    const double my = mean_of(y);
    double sxy = 0, syy = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
        f.sxx += (x[i] - f.x_mean) * (x[i] - f.x_mean);
        sxy += (x[i] - f.x_mean) * (y[i] - my);
        syy += (y[i] - my) * (y[i] - my);
    }
    if (f.sxx <= 0) throw Error("linear regression: every x value is the same; the slope is undefined");
    f.slope = sxy / f.sxx;
    f.intercept = my - f.slope * f.x_mean;
    double sse = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
        const double e = y[i] - f.predict(x[i]);
        sse += e * e;
    }
    const double n = static_cast<double>(f.n);
    f.residual_sd = std::sqrt(sse / (n - 2.0));
    f.slope_se = f.residual_sd / std::sqrt(f.sxx);
    f.intercept_se = f.residual_sd * std::sqrt(1.0 / n + f.x_mean * f.x_mean / f.sxx);
    f.r = syy > 0 ? std::clamp(sxy / std::sqrt(f.sxx * syy), -1.0, 1.0) : 0.0;
    f.r_squared = f.r * f.r;
    return f;
}

double LinearFit::prediction_half_width(double x, double level) const {
    const double n = static_cast<double>(this->n);
    const double t = student_t_quantile(0.5 + level / 2.0, n - 2.0);
    return t * residual_sd * std::sqrt(1.0 + 1.0 / n + (x - x_mean) * (x - x_mean) / sxx);
}

double LinearFit::confidence_half_width(double x, double level) const {
    const double n = static_cast<double>(this->n);
    const double t = student_t_quantile(0.5 + level / 2.0, n - 2.0);
    return t * residual_sd * std::sqrt(1.0 / n + (x - x_mean) * (x - x_mean) / sxx);
}

}  // namespace powerml::analysis
