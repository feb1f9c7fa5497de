#include "powerml/workloads/profile_statistics.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "powerml/core/error.hpp"

namespace powerml::workloads::stats {

double mean(const std::vector<double>& x) {
    return x.empty() ? 0.0 : std::accumulate(x.begin(), x.end(), 0.0) / static_cast<double>(x.size());
}

double stddev(const std::vector<double>& x) {
    if (x.size() < 2) return 0.0;
    const double m = mean(x);
    double ss = 0;
    for (double v : x) ss += (v - m) * (v - m);
    return std::sqrt(ss / static_cast<double>(x.size() - 1));
}

std::optional<double> pearson(const std::vector<double>& x, const std::vector<double>& y) {
    if (x.size() != y.size() || x.size() < 3) return std::nullopt;
    const double mx = mean(x), my = mean(y);
    double sxy = 0, sxx = 0, syy = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
        sxy += (x[i] - mx) * (y[i] - my);
        sxx += (x[i] - mx) * (x[i] - mx);
        syy += (y[i] - my) * (y[i] - my);
    }
    if (sxx <= 0 || syy <= 0) return std::nullopt;
    return sxy / std::sqrt(sxx * syy);
}

std::vector<double> ranks(const std::vector<double>& x) {
    std::vector<std::size_t> order(x.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return x[a] < x[b]; });
    std::vector<double> r(x.size());
    for (std::size_t i = 0; i < order.size();) {
        std::size_t j = i;
        while (j + 1 < order.size() && x[order[j + 1]] == x[order[i]]) ++j;
        const double mean_rank = (static_cast<double>(i) + static_cast<double>(j)) / 2.0 + 1.0;
        for (std::size_t k = i; k <= j; ++k) r[order[k]] = mean_rank;
        i = j + 1;
    }
    return r;
}

std::optional<double> spearman(const std::vector<double>& x, const std::vector<double>& y) {
    if (x.size() != y.size()) return std::nullopt;
    return pearson(ranks(x), ranks(y));
}

Line fit_line(const std::vector<double>& x, const std::vector<double>& y) {
    if (x.size() != y.size() || x.size() < 2) throw Error("a regression line needs at least 2 points");
    const double mx = mean(x), my = mean(y);
    double sxy = 0, sxx = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
        sxy += (x[i] - mx) * (y[i] - my);
        sxx += (x[i] - mx) * (x[i] - mx);
    }
    if (sxx <= 0) throw Error("a regression line needs at least two different x values");
    Line line;
    line.slope = sxy / sxx;
    line.intercept = my - line.slope * mx;
    if (x.size() > 2) {
        double sse = 0;
        for (std::size_t i = 0; i < x.size(); ++i) {
            const double e = y[i] - (line.intercept + line.slope * x[i]);
            sse += e * e;
        }
        line.residual_sd = std::sqrt(sse / static_cast<double>(x.size() - 2));
    }
    return line;
}

double t_quantile_95(int dof) {
    // Two-sided 95 % (one-sided 0.975) quantiles of Student's t, from standard tables.
    static const double k_table[] = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
                                     2.201,  2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
                                     2.080,  2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042};
    if (dof < 1) throw Error("t quantile needs at least 1 degree of freedom");
    if (dof <= 30) return k_table[dof - 1];
    return 1.96 + 2.4 / dof;  // within 0.002 of the exact value above 30
}

}  // namespace powerml::workloads::stats
