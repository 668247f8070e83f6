#pragma once
// Correlations for the regression tables: Pearson, Spearman (average ranks for ties) and the
// partial correlation of two variables given controls.
#include <cstdint>
#include <vector>

#include <Eigen/Dense>

namespace infobound::stats {

struct Correlation {
  double r = 0;  // coefficient
  double p = 1;  // two-sided, Student t with `df` degrees of freedom
  int64_t n = 0;
  int64_t df = 0;
};

// Throws DegenerateRegression when either variable is constant or n < 3.
Correlation pearson(const Eigen::VectorXd& x, const Eigen::VectorXd& y);
// Pearson on average ranks; p from the t approximation with n - 2 df (as scipy.stats.spearmanr).
Correlation spearman(const Eigen::VectorXd& x, const Eigen::VectorXd& y);
// Correlation of the residuals of x and y after least squares on [1, controls]; df = n - 2 - k.
Correlation partial_correlation(const Eigen::VectorXd& x, const Eigen::VectorXd& y, const Eigen::MatrixXd& controls);

Eigen::VectorXd average_ranks(const Eigen::VectorXd& values);
// y minus its least-squares fit on [1, controls].
Eigen::VectorXd residualise(const Eigen::VectorXd& y, const Eigen::MatrixXd& controls);

}  // namespace infobound::stats
