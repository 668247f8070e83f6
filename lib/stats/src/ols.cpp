#include "infobound/stats/ols.hpp"

#include <cmath>
#include <sstream>

#include <boost/math/distributions/students_t.hpp>

namespace infobound::stats {

double two_sided_t_p_value(double t, double df) {
  if (std::isinf(t)) return 0.0;
  const boost::math::students_t distribution(df);
  return 2 * boost::math::cdf(boost::math::complement(distribution, std::abs(t)));
}

OlsFit fit_ols(const Eigen::MatrixXd& X, const Eigen::VectorXd& y, const std::vector<std::string>& names,
               const std::string& intercept_name) {
  const Eigen::Index n = X.rows(), p = X.cols();
  if (y.size() != n || static_cast<Eigen::Index>(names.size()) != p)
    throw std::invalid_argument("fit_ols: X, y and names disagree in size");
  if (!y.allFinite()) throw DegenerateRegression("the outcome has a missing or non-finite value");
  for (Eigen::Index j = 0; j < p; ++j)
    if (!X.col(j).allFinite()) throw DegenerateRegression("column '" + names[j] + "' has a missing or non-finite value");
  if (n <= p)
    throw DegenerateRegression("only " + std::to_string(n) + " observations for " + std::to_string(p) + " parameters (" +
                               std::to_string(p - 1) +
                               " regressors + intercept): need at least one more observation than parameters; use fewer "
                               "predictors or drop --family-effects");
  for (Eigen::Index j = 0; j < p; ++j) {
    const double lo = X.col(j).minCoeff(), hi = X.col(j).maxCoeff();
    const bool constant = hi - lo <= 1e-12 * std::max(1.0, std::max(std::abs(lo), std::abs(hi)));
    if (names[j] == intercept_name) {
      if (!constant || lo != 1.0) throw std::invalid_argument("fit_ols: intercept column is not all ones");
    } else if (constant) {
      std::ostringstream value;
      value << lo;
      throw DegenerateRegression("predictor '" + names[j] + "' is constant (" + value.str() + ") across all " +
                                 std::to_string(n) + " observations; drop it");
    }
  }

  // Rank check on the column-scaled design, so that units do not decide what is collinear.
  Eigen::VectorXd scale = X.colwise().norm().transpose();
  const Eigen::MatrixXd scaled = X * scale.cwiseInverse().asDiagonal();
  Eigen::ColPivHouseholderQR<Eigen::MatrixXd> pivoted(scaled);
  pivoted.setThreshold(1e-10);
  if (pivoted.rank() < p) {
    std::string dropped;
    for (Eigen::Index k = pivoted.rank(); k < p; ++k) {
      if (!dropped.empty()) dropped += ", ";
      dropped += "'" + names[pivoted.colsPermutation().indices()(k)] + "'";
    }
    throw DegenerateRegression("the design is collinear (rank " + std::to_string(pivoted.rank()) + " of " + std::to_string(p) +
                               " columns): " + dropped +
                               " is a linear combination of the other columns; drop it or add observations that vary it");
  }

  const Eigen::HouseholderQR<Eigen::MatrixXd> qr(X);
  OlsFit fit;
  fit.names = names;
  fit.n_observations = n;
  fit.df_residual = n - p;
  fit.coefficients = qr.solve(y);
  fit.fitted = X * fit.coefficients;
  fit.residuals = y - fit.fitted;
  const double ssr = fit.residuals.squaredNorm();
  const double sst = (y.array() - y.mean()).matrix().squaredNorm();
  fit.residual_variance = ssr / static_cast<double>(fit.df_residual);
  // (X'X)^-1 = R^-1 R^-T from the thin QR factor.
  const Eigen::MatrixXd R = qr.matrixQR().topLeftCorner(p, p).triangularView<Eigen::Upper>();
  const Eigen::MatrixXd R_inverse = R.triangularView<Eigen::Upper>().solve(Eigen::MatrixXd::Identity(p, p));
  const Eigen::MatrixXd covariance = fit.residual_variance * (R_inverse * R_inverse.transpose());
  fit.standard_errors = covariance.diagonal().cwiseSqrt();
  fit.t_values = fit.coefficients.cwiseQuotient(fit.standard_errors);
  fit.p_values.resize(p);
  for (Eigen::Index j = 0; j < p; ++j)
    fit.p_values(j) = two_sided_t_p_value(fit.t_values(j), static_cast<double>(fit.df_residual));
  if (!(sst > 0)) throw DegenerateRegression("the outcome is constant across all " + std::to_string(n) + " observations");
  fit.r_squared = 1 - ssr / sst;
  fit.adjusted_r_squared = 1 - (1 - fit.r_squared) * static_cast<double>(n - 1) / static_cast<double>(fit.df_residual);
  return fit;
}

}  // namespace infobound::stats
