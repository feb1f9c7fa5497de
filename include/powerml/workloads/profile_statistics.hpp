#pragma once
// The few statistics the profile and the estimator need (Pearson, Spearman, a least-squares
// line, a Student-t quantile). Kept local to workloads until the analysis module's statistics
// land on main; the formulas are the textbook ones.
#include <optional>
#include <vector>

namespace powerml::workloads::stats {

double mean(const std::vector<double>& x);
// Sample standard deviation (n - 1); 0 for fewer than two values.
double stddev(const std::vector<double>& x);
// Nothing when fewer than 3 pairs or a side is constant.
std::optional<double> pearson(const std::vector<double>& x, const std::vector<double>& y);
// Pearson on ranks, ties getting their mean rank.
std::optional<double> spearman(const std::vector<double>& x, const std::vector<double>& y);
std::vector<double> ranks(const std::vector<double>& x);

struct Line {
    double intercept = 0;
    double slope = 0;
    double residual_sd = 0;  // sqrt(SSE / (n - 2)); 0 for n = 2
};
// Ordinary least squares y = intercept + slope x; throws Error for fewer than 2 points or constant x.
Line fit_line(const std::vector<double>& x, const std::vector<double>& y);

// Two-sided 95 % quantile of Student's t with `dof` degrees of freedom (table to 30, then 1.96 + 2.4/dof).
double t_quantile_95(int dof);

}  // namespace powerml::workloads::stats
