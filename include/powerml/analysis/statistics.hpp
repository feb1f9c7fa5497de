#pragma once
// Statistics over repeated measurements (seed 003: 30 repetitions per scenario, checked for
// normality) and between indicators (seed 001: Pearson r and Spearman rho, energy linear in
// time). Every function takes plain numbers; nothing here knows about runs or the store.
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace powerml::analysis {

// Shapiro-Wilk W with Royston's (1992, 1995) approximations for the coefficients and the
// p-value; valid for 3 <= n <= 5000.
struct NormalityTest {
    double w = 0;
    double p_value = 0;
    std::size_t n = 0;
};

struct Descriptive {
    std::size_t n = 0;
    double mean = 0;
    double sd = 0;          // sample standard deviation (n - 1); 0 for n < 2
    double se = 0;          // sd / sqrt(n)
    double ci95_low = 0;    // mean -/+ t(0.975, n - 1) x se (cut at 0 for non-negative quantities); the mean for n < 2
    double ci95_high = 0;
    double min = 0, max = 0;
    double median = 0;
    double q1 = 0, q3 = 0;  // quartiles, linear interpolation between order statistics (R type 7)
    double iqr = 0;
    double cv = 0;          // sd / |mean| (0 when the mean is 0)
    std::optional<NormalityTest> normality;  // n >= 3 and not all values equal
    std::vector<std::size_t> outliers;       // indices (into the input) outside Tukey's fences
};

// Throws Error when `values` is empty or holds a non-finite number. With `non_negative` (a
// quantity physics keeps at or above zero: energy, power, time, bytes), the confidence
// interval of the mean is cut at zero, never below it (docs/explanation/statistics.md).
Descriptive describe(std::span<const double> values, bool non_negative = false);

// The p-quantile (0..1) of sorted values, R type 7 (linear between order statistics).
double quantile_sorted(std::span<const double> sorted, double p);

// Indices outside [q1 - k IQR, q3 + k IQR] (Tukey's fences, k = 1.5).
std::vector<std::size_t> tukey_outliers(std::span<const double> values, double k = 1.5);

NormalityTest shapiro_wilk(std::span<const double> values);
// Royston's normalising transformation of W for a sample of n (4..5000): the p-value.
double shapiro_wilk_p(double w, std::size_t n);

struct Correlation {
    std::string method;  // "pearson" | "spearman"
    std::size_t n = 0;
    double r = 0;        // r or rho
    double p_value = 1;  // two-sided, t = r sqrt((n - 2) / (1 - r^2)) with n - 2 df
    double ci95_low = 0, ci95_high = 0;  // Fisher z interval (n > 3); [-1, 1] for n = 3; for Spearman approximate
};

// Both need n >= 3 paired values and some spread in each. Throws Error otherwise.
Correlation pearson(std::span<const double> x, std::span<const double> y);
// Pearson's r on average ranks (ties share the mean of their ranks).
Correlation spearman(std::span<const double> x, std::span<const double> y);
// 1-based average ranks.
std::vector<double> ranks(std::span<const double> values);

// Ordinary least squares y = intercept + slope x.
struct LinearFit {
    std::size_t n = 0;
    double slope = 0, intercept = 0;
    double slope_se = 0, intercept_se = 0;
    double r = 0, r_squared = 0;
    double residual_sd = 0;  // sqrt(SSE / (n - 2))
    double x_mean = 0, sxx = 0;

    double predict(double x) const { return intercept + slope * x; }
    // Half-width of the 95 % interval for one new observation at x (prediction interval).
    double prediction_half_width(double x, double level = 0.95) const;
    // Half-width of the 95 % interval for the mean response at x.
    double confidence_half_width(double x, double level = 0.95) const;
};

LinearFit linear_regression(std::span<const double> x, std::span<const double> y);

}  // namespace powerml::analysis
