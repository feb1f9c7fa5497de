#pragma once
// The distribution functions the statistics need (normal, Student t), written out here so
// that PowerML needs no statistics library. Accuracy: about 1e-10 relative for the CDFs,
// 1e-9 for the quantiles (checked against printed tables in tests/analysis).
namespace powerml::analysis {

// Standard normal distribution.
double normal_cdf(double z);
// Inverse of normal_cdf for p in (0, 1). Throws Error outside.
double normal_quantile(double p);

// Regularised incomplete beta function I_x(a, b) for x in [0, 1], a, b > 0.
double incomplete_beta(double a, double b, double x);

// Student t distribution with `df` degrees of freedom (df > 0, need not be an integer).
double student_t_cdf(double t, double df);
// P(|T| >= |t|): the two-sided p-value of a t statistic.
double student_t_two_sided_p(double t, double df);
// Inverse of student_t_cdf for p in (0, 1): student_t_quantile(0.975, 9) = 2.262.
double student_t_quantile(double p, double df);

}  // namespace powerml::analysis
