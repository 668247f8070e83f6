#pragma once
// Ordinary least squares with classical (non-robust) standard errors, as statsmodels' OLS.
#include <cstdint>
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "infobound/core/error.hpp"

namespace infobound::stats {

// The design cannot be estimated (too few observations, a constant or collinear column).
// The message names the columns and says what to drop.
class DegenerateRegression : public InputError {
 public:
  using InputError::InputError;
};

struct OlsFit {
  std::vector<std::string> names;  // one per column of X
  Eigen::VectorXd coefficients, standard_errors, t_values, p_values;
  double r_squared = 0, adjusted_r_squared = 0, residual_variance = 0;
  int64_t n_observations = 0, df_residual = 0;
  Eigen::VectorXd fitted, residuals;
};

// X holds an intercept column named `intercept_name` (checked: all ones) and the regressors.
// Throws DegenerateRegression for n <= columns, a constant regressor, non-finite values, or
// a rank-deficient design (naming the columns that are linear combinations of the others).
OlsFit fit_ols(const Eigen::MatrixXd& X, const Eigen::VectorXd& y, const std::vector<std::string>& names,
               const std::string& intercept_name = "const");

// Two-sided p-value of a t statistic with df degrees of freedom.
double two_sided_t_p_value(double t, double df);

}  // namespace infobound::stats
