// Shapiro-Wilk normality test after J. P. Royston, "Approximating the Shapiro-Wilk W-test for
// non-normality", Statistics and Computing 2 (1992) 117-119, and "Remark AS R94", Applied
// Statistics 44 (1995) 547-551: the coefficients a_i from normal scores with polynomial
// corrections for the two most extreme ones, and a normalising transformation of W.
#include <algorithm>
#include <cmath>
#include <numeric>

#include <fmt/format.h>

#include "powerml/analysis/distributions.hpp"
#include "powerml/analysis/statistics.hpp"
#include "powerml/core/error.hpp"

namespace powerml::analysis {

namespace {

double polynomial(const double* c, int terms, double x) {
    double result = 0;
    for (int i = terms - 1; i >= 0; --i) result = result * x + c[i];
    return result;
}

// The antisymmetric coefficients a_1..a_n (a_i = -a_{n+1-i}).
std::vector<double> coefficients(std::size_t n) {
    std::vector<double> a(n, 0.0);
    if (n == 3) {
        a[0] = -std::sqrt(0.5);
        a[2] = std::sqrt(0.5);
        return a;
    }
    const double nd = static_cast<double>(n);
    std::vector<double> m(n);
    double mm = 0;
    for (std::size_t i = 0; i < n; ++i) {
        // Blom's approximation to the expected normal order statistics.
        m[i] = normal_quantile((static_cast<double>(i + 1) - 0.375) / (nd + 0.25));
        mm += m[i] * m[i];
    }
    const double u = 1.0 / std::sqrt(nd);
    static constexpr double c1[] = {0.0, 0.221157, -0.147981, -2.071190, 4.434685, -2.706056};
    static constexpr double c2[] = {0.0, 0.042981, -0.293762, -1.752461, 5.682633, -3.582633};
    const double an = m[n - 1] / std::sqrt(mm) + polynomial(c1, 6, u);
    if (n > 5) {
        const double an1 = m[n - 2] / std::sqrt(mm) + polynomial(c2, 6, u);
        const double phi = (mm - 2.0 * m[n - 1] * m[n - 1] - 2.0 * m[n - 2] * m[n - 2]) / (1.0 - 2.0 * an * an - 2.0 * an1 * an1);
        for (std::size_t i = 2; i < n - 2; ++i) a[i] = m[i] / std::sqrt(phi);
        a[n - 1] = an;
        a[n - 2] = an1;
        a[0] = -an;
        a[1] = -an1;
    } else {
        const double phi = (mm - 2.0 * m[n - 1] * m[n - 1]) / (1.0 - 2.0 * an * an);
        for (std::size_t i = 1; i < n - 1; ++i) a[i] = m[i] / std::sqrt(phi);
        a[n - 1] = an;
        a[0] = -an;
    }
    return a;
}

}  // namespace

double shapiro_wilk_p(double w, std::size_t n) {
    if (n < 3 || n > 5000) throw Error(fmt::format("Shapiro-Wilk test needs 3 to 5000 values, got {}", n));
    if (w >= 1.0) return 1.0;
    if (n == 3) {
        // Exact for n = 3 (Shapiro & Wilk 1965): W has density on [0.75, 1].
        constexpr double pi6 = 6.0 / M_PI;
        const double p = pi6 * (std::asin(std::sqrt(std::max(w, 0.75))) - std::asin(std::sqrt(0.75)));
        return std::clamp(p, 0.0, 1.0);
    }
    const double nd = static_cast<double>(n);
    double z;
    if (n <= 11) {
        const double gamma = -2.273 + 0.459 * nd;
        const double arg = gamma - std::log1p(-w);
        if (arg <= 0) return 0.0;  // W so small that the transform leaves its domain: p ~ 0
        const double mu = 0.5440 - 0.39978 * nd + 0.025054 * nd * nd - 0.0006714 * nd * nd * nd;
        const double sigma = std::exp(1.3822 - 0.77857 * nd + 0.062767 * nd * nd - 0.0020322 * nd * nd * nd);
        z = (-std::log(arg) - mu) / sigma;
    } else {
        const double ln = std::log(nd);
        const double mu = -1.5861 - 0.31082 * ln - 0.083751 * ln * ln + 0.0038915 * ln * ln * ln;
        const double sigma = std::exp(-0.4803 - 0.082676 * ln + 0.0030302 * ln * ln);
        z = (std::log1p(-w) - mu) / sigma;
    }
    return 1.0 - normal_cdf(z);
}

NormalityTest shapiro_wilk(std::span<const double> values) {
    const std::size_t n = values.size();
    if (n < 3 || n > 5000) throw Error(fmt::format("Shapiro-Wilk test needs 3 to 5000 values, got {}", n));
    for (const double v : values)
        if (!std::isfinite(v)) throw Error("Shapiro-Wilk test: every value must be a finite number");
    std::vector<double> x(values.begin(), values.end());
    std::sort(x.begin(), x.end());
    if (x.back() - x.front() <= 0) throw Error("Shapiro-Wilk test: all values are equal");
    const auto a = coefficients(n);
    const double mean = std::accumulate(x.begin(), x.end(), 0.0) / static_cast<double>(n);
    double numerator = 0, ss = 0;
    for (std::size_t i = 0; i < n; ++i) {
        numerator += a[i] * x[i];
        ss += (x[i] - mean) * (x[i] - mean);
    }
    NormalityTest result;
    result.n = n;
    result.w = std::min(1.0, numerator * numerator / ss);
    result.p_value = shapiro_wilk_p(result.w, n);
    return result;
}

}  // namespace powerml::analysis
