// Statistics against values computed independently: printed tables and textbook examples,
// each with its source. No statistics package is used to produce the expected numbers.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "powerml/analysis/distributions.hpp"
#include "powerml/analysis/statistics.hpp"
#include "powerml/core/error.hpp"

using namespace powerml;
using namespace powerml::analysis;

// Student t critical values as printed (3 decimals) in the usual two-sided tables, e.g. the
// NIST/SEMATECH e-Handbook of Statistical Methods, section 1.3.6.7.2.
TEST(StatisticsTest, StudentTQuantilesMatchPrintedTable) {
    struct Row {
        double p, df, t;
    };
    const Row rows[] = {{0.975, 1, 12.706}, {0.975, 2, 4.303}, {0.975, 4, 2.776}, {0.975, 5, 2.571},
                        {0.975, 9, 2.262},  {0.975, 10, 2.228}, {0.975, 29, 2.045}, {0.975, 30, 2.042},
                        {0.975, 100, 1.984}, {0.995, 10, 3.169}, {0.95, 20, 1.725}, {0.90, 3, 1.638}};
    for (const auto& row : rows) {
        EXPECT_NEAR(student_t_quantile(row.p, row.df), row.t, 0.0006) << "p=" << row.p << " df=" << row.df;
        EXPECT_NEAR(student_t_quantile(1.0 - row.p, row.df), -row.t, 0.0006);
        EXPECT_NEAR(student_t_cdf(student_t_quantile(row.p, row.df), row.df), row.p, 1e-10);
    }
    // df = 1 is the Cauchy distribution: F(t) = 1/2 + atan(t)/pi, in closed form.
    EXPECT_NEAR(student_t_cdf(2.0, 1), 0.5 + std::atan(2.0) / M_PI, 1e-12);
    // df = 2: F(t) = 1/2 + t / (2 sqrt(2 + t^2)).
    EXPECT_NEAR(student_t_cdf(-1.5, 2), 0.5 - 1.5 / (2 * std::sqrt(2 + 2.25)), 1e-12);
}

TEST(StatisticsTest, NormalDistributionKnownValues) {
    // Phi^-1(0.975) = 1.959963984540054 and Phi^-1(0.995) = 2.575829303548901 (Abramowitz &
    // Stegun table 26.5 to the digits printed there).
    EXPECT_NEAR(normal_quantile(0.975), 1.959963984540054, 1e-9);
    EXPECT_NEAR(normal_quantile(0.995), 2.575829303548901, 1e-9);
    EXPECT_NEAR(normal_quantile(1e-6), -4.753424308822899, 1e-7);
    EXPECT_NEAR(normal_quantile(0.5), 0.0, 1e-12);
    EXPECT_NEAR(normal_cdf(1.0), 0.841344746068543, 1e-12);
    EXPECT_THROW(normal_quantile(0.0), Error);
}

// {2, 4, 4, 4, 5, 5, 7, 9}: mean 5, sum of squares 32, so sd = sqrt(32 / 7); quartiles by
// linear interpolation at positions 1 + 7p; t(0.975, 7) = 2.365 from the table.
TEST(StatisticsTest, DescriptiveByHand) {
    const std::vector<double> v = {9, 4, 2, 4, 5, 4, 7, 5};
    const Descriptive d = describe(v);
    EXPECT_EQ(d.n, 8u);
    EXPECT_DOUBLE_EQ(d.mean, 5.0);
    EXPECT_NEAR(d.sd, std::sqrt(32.0 / 7.0), 1e-12);
    EXPECT_DOUBLE_EQ(d.median, 4.5);
    EXPECT_DOUBLE_EQ(d.q1, 4.0);
    EXPECT_DOUBLE_EQ(d.q3, 5.5);
    EXPECT_DOUBLE_EQ(d.iqr, 1.5);
    EXPECT_NEAR(d.ci95_high - d.mean, 2.365 * std::sqrt(32.0 / 7.0) / std::sqrt(8.0), 0.001);
    EXPECT_NEAR(d.mean - d.ci95_low, d.ci95_high - d.mean, 1e-12);
    // Fences 4 - 2.25 = 1.75 and 5.5 + 2.25 = 7.75: the 9 (index 0) is out.
    ASSERT_EQ(d.outliers.size(), 1u);
    EXPECT_EQ(d.outliers[0], 0u);
    ASSERT_TRUE(d.normality.has_value());
}

TEST(StatisticsTest, DescriptiveEdgeCases) {
    const std::vector<double> one = {3.5};
    const auto d = describe(one);
    EXPECT_EQ(d.sd, 0.0);
    EXPECT_EQ(d.ci95_low, 3.5);
    EXPECT_FALSE(d.normality.has_value());
    const std::vector<double> same = {2, 2, 2, 2};
    EXPECT_FALSE(describe(same).normality.has_value());
    EXPECT_THROW(describe(std::vector<double>{}), Error);
    EXPECT_THROW(describe(std::vector<double>{1, NAN}), Error);
}

// Shapiro & Wilk (1965), Biometrika 52, p. 606: the weights in pounds of 11 men give W = 0.79,
// below the 1 % point of their table 6 for n = 11 (0.792): p < 0.01.
TEST(StatisticsTest, ShapiroWilkWeightsExample) {
    const std::vector<double> weights = {148, 154, 158, 160, 161, 162, 166, 170, 182, 195, 236};
    const auto t = shapiro_wilk(weights);
    EXPECT_NEAR(t.w, 0.79, 0.005);
    EXPECT_LT(t.p_value, 0.01);
    EXPECT_GT(t.p_value, 0.001);
}

// Percentage points of W from Shapiro & Wilk (1965) table 6: Royston's p-value at the tabled
// W must come back near the tabled level.
TEST(StatisticsTest, ShapiroWilkPValueAtTabledPercentagePoints) {
    struct Row {
        std::size_t n;
        double w, level;
    };
    const Row rows[] = {{11, 0.792, 0.01}, {11, 0.850, 0.05}, {20, 0.868, 0.01}, {20, 0.905, 0.05},
                        {30, 0.900, 0.01}, {30, 0.927, 0.05}};
    for (const auto& row : rows) {
        const double p = shapiro_wilk_p(row.w, row.n);
        EXPECT_NEAR(p, row.level, row.level * 0.3) << "n=" << row.n << " W=" << row.w;
    }
}

// The p-value must be calibrated: on samples drawn from a normal distribution, p < alpha in a
// fraction alpha of them. 4000 seeded samples per n: the binomial sd of the 5 % rate is 0.34 %.
TEST(StatisticsTest, ShapiroWilkPValueIsCalibratedOnSimulatedNormalSamples) {
    std::mt19937_64 rng(2026);
    std::normal_distribution<double> normal;
    for (const std::size_t n : {8u, 25u, 50u, 200u}) {
        int below_5 = 0, below_1 = 0;
        constexpr int reps = 4000;
        std::vector<double> x(n);
        for (int r = 0; r < reps; ++r) {
            for (auto& v : x) v = normal(rng);
            const double p = shapiro_wilk(x).p_value;
            below_5 += p < 0.05;
            below_1 += p < 0.01;
        }
        EXPECT_NEAR(below_5 / double(reps), 0.05, 0.012) << "n=" << n;
        EXPECT_NEAR(below_1 / double(reps), 0.01, 0.006) << "n=" << n;
    }
}

TEST(StatisticsTest, ShapiroWilkSeparatesNormalFromSkewed) {
    // Expected normal order statistics (Blom) for n = 30: as normal as a sample can be.
    std::vector<double> normal_scores, skewed;
    for (int i = 1; i <= 30; ++i) {
        normal_scores.push_back(normal_quantile((i - 0.375) / 30.25));
        skewed.push_back(-std::log(1.0 - (i - 0.375) / 30.25));  // exponential quantiles
    }
    const auto a = shapiro_wilk(normal_scores);
    EXPECT_GT(a.w, 0.98);
    EXPECT_GT(a.p_value, 0.5);
    const auto b = shapiro_wilk(skewed);
    EXPECT_LT(b.p_value, 0.01);
    // n = 3 has an exact distribution: W = 1 for equally spaced values gives p = 1, and the
    // lower limit 0.75 gives p = 0.
    EXPECT_NEAR(shapiro_wilk(std::vector<double>{1, 2, 3}).w, 1.0, 1e-12);
    EXPECT_NEAR(shapiro_wilk_p(0.75, 3), 0.0, 1e-12);
    EXPECT_THROW(shapiro_wilk(std::vector<double>{1, 2}), Error);
}

// Anscombe (1973), "Graphs in statistical analysis", Am. Stat. 27: each of the four data sets
// has regression y = 3.00 + 0.500 x, standard error of the slope 0.118, t = 4.24, r = 0.816.
TEST(StatisticsTest, PearsonAndRegressionOnAnscombesQuartet) {
    const std::vector<double> x = {10, 8, 13, 9, 11, 14, 6, 4, 12, 7, 5};
    const std::vector<std::vector<double>> ys = {
        {8.04, 6.95, 7.58, 8.81, 8.33, 9.96, 7.24, 4.26, 10.84, 4.82, 5.68},
        {9.14, 8.14, 8.74, 8.77, 9.26, 8.10, 6.13, 3.10, 9.13, 7.26, 4.74},
        {7.46, 6.77, 12.74, 7.11, 7.81, 8.84, 6.08, 5.39, 8.15, 6.42, 5.73},
    };
    for (const auto& y : ys) {
        const auto c = pearson(x, y);
        EXPECT_NEAR(c.r, 0.816, 0.0007);
        const auto fit = linear_regression(x, y);
        EXPECT_NEAR(fit.slope, 0.500, 0.001);
        EXPECT_NEAR(fit.intercept, 3.00, 0.005);
        EXPECT_NEAR(fit.slope_se, 0.118, 0.0006);
        EXPECT_NEAR(fit.slope / fit.slope_se, 4.24, 0.01);
        // The p-value of r uses the same t with 9 df.
        EXPECT_NEAR(c.p_value, student_t_two_sided_p(4.24, 9), 2e-5);
        EXPECT_LT(c.p_value, 0.01);
        EXPECT_GT(c.p_value, 0.001);
    }
}

// Spearman's rho on the example of the Wikipedia article "Spearman's rank correlation
// coefficient" (IQ against hours of TV per week): sum d^2 = 194, rho = 1 - 6*194/(10*99)
// = -29/165 = -0.17576; the article gives p = 0.627 with the t approximation.
TEST(StatisticsTest, SpearmanTextbookExample) {
    const std::vector<double> iq = {106, 100, 86, 101, 99, 103, 97, 113, 112, 110};
    const std::vector<double> tv = {7, 27, 2, 50, 28, 29, 20, 12, 6, 17};
    const auto c = spearman(iq, tv);
    EXPECT_NEAR(c.r, -29.0 / 165.0, 1e-12);
    EXPECT_NEAR(c.p_value, 0.627, 0.001);
    EXPECT_EQ(c.method, "spearman");
}

TEST(StatisticsTest, RanksShareTies) {
    const std::vector<double> v = {10, 20, 20, 5, 20};
    const auto r = ranks(v);
    EXPECT_EQ(r, (std::vector<double>{2, 4, 4, 1, 4}));
    // A monotone but non-linear relation: rho = 1, r < 1.
    const std::vector<double> x = {1, 2, 3, 4, 5, 6}, y = {1, 4, 9, 16, 25, 1000};
    EXPECT_NEAR(spearman(x, y).r, 1.0, 1e-12);
    EXPECT_LT(pearson(x, y).r, 0.8);
}

TEST(StatisticsTest, BadInputIsAClearError) {
    const std::vector<double> a = {1, 2, 3}, b = {1, 2}, c = {4, 4, 4};
    EXPECT_THROW(pearson(a, b), Error);
    EXPECT_THROW(pearson(a, c), Error);
    EXPECT_THROW(linear_regression(c, a), Error);
    try {
        pearson(a, c);
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("same value"), std::string::npos);
    }
}

// A prediction interval by hand: y = x exactly except one point, n = 4.
TEST(StatisticsTest, PredictionIntervalByHand) {
    const std::vector<double> x = {1, 2, 3, 4}, y = {1, 2, 3, 5};
    const auto fit = linear_regression(x, y);
    // Sxx = 5, Sxy = 6.5 (mean y = 2.75): slope 1.3, intercept -0.5; residuals 0.2, -0.1,
    // -0.4, 0.3: SSE = 0.3, s = sqrt(0.15).
    EXPECT_NEAR(fit.slope, 1.3, 1e-12);
    EXPECT_NEAR(fit.intercept, -0.5, 1e-12);
    EXPECT_NEAR(fit.residual_sd, std::sqrt(0.15), 1e-12);
    // At x = 10: t(0.975, 2) = 4.303, sqrt(1 + 1/4 + 7.5^2 / 5) = sqrt(12.5).
    EXPECT_NEAR(fit.prediction_half_width(10), 4.303 * std::sqrt(0.15) * std::sqrt(12.5), 0.002);
    EXPECT_NEAR(fit.confidence_half_width(10), 4.303 * std::sqrt(0.15) * std::sqrt(11.5), 0.002);
}

// Three pairs leave Fisher's z with an infinite spread: the interval is all of [-1, 1], not
// the zero-width [r, r].
TEST(StatisticsTest, CorrelationIntervalForThreePairsIsTheWholeRange) {
    const std::vector<double> x = {1, 2, 3}, y = {1, 3, 2};
    for (const auto& c : {pearson(x, y), spearman(x, y)}) {
        EXPECT_EQ(c.n, 3u);
        EXPECT_DOUBLE_EQ(c.ci95_low, -1.0);
        EXPECT_DOUBLE_EQ(c.ci95_high, 1.0);
    }
    const std::vector<double> x4 = {1, 2, 3, 4}, y4 = {1, 3, 2, 4};
    const auto four = pearson(x4, y4);
    EXPECT_GT(four.ci95_low, -1.0);
    EXPECT_LT(four.ci95_high, 1.0);
    EXPECT_LT(four.ci95_low, four.r);
}

// Energies of 3 repetitions spread widely: the mean's t interval would start below zero; a
// non-negative quantity's interval stops at zero.
TEST(StatisticsTest, NonNegativeQuantitiesGetNoNegativeBound) {
    const std::vector<double> energies = {10, 400, 20};
    EXPECT_LT(describe(energies).ci95_low, 0.0);
    const auto d = describe(energies, true);
    EXPECT_DOUBLE_EQ(d.ci95_low, 0.0);
    EXPECT_DOUBLE_EQ(d.ci95_high, describe(energies).ci95_high);
}
