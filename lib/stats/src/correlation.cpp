#include "infobound/stats/correlation.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "infobound/stats/ols.hpp"

namespace infobound::stats {
namespace {
Correlation with_p_value(double r, int64_t n, int64_t df) {
  Correlation c;
  c.r = std::clamp(r, -1.0, 1.0);
  c.n = n;
  c.df = df;
  if (df <= 0) throw DegenerateRegression("too few observations (" + std::to_string(n) + ") for a correlation test");
  if (std::abs(c.r) >= 1.0) {
    c.p = 0.0;
  } else {
    const double t = c.r * std::sqrt(static_cast<double>(df) / ((1 - c.r) * (1 + c.r)));
    c.p = two_sided_t_p_value(t, static_cast<double>(df));
  }
  return c;
}

double pearson_r(const Eigen::VectorXd& x, const Eigen::VectorXd& y, const char* what) {
  const Eigen::ArrayXd dx = x.array() - x.mean(), dy = y.array() - y.mean();
  const double sxx = dx.square().sum(), syy = dy.square().sum();
  const double scale_x = std::max(1.0, x.cwiseAbs().maxCoeff()), scale_y = std::max(1.0, y.cwiseAbs().maxCoeff());
  if (sxx <= 1e-24 * scale_x * scale_x * x.size() || syy <= 1e-24 * scale_y * scale_y * y.size())
    throw DegenerateRegression(std::string(what) + ": a variable is constant, the correlation is undefined");
  return (dx * dy).sum() / std::sqrt(sxx * syy);
}
}  // namespace

Correlation pearson(const Eigen::VectorXd& x, const Eigen::VectorXd& y) {
  return with_p_value(pearson_r(x, y, "Pearson correlation"), x.size(), x.size() - 2);
}

Eigen::VectorXd average_ranks(const Eigen::VectorXd& values) {
  const Eigen::Index n = values.size();
  std::vector<Eigen::Index> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](Eigen::Index a, Eigen::Index b) { return values(a) < values(b); });
  Eigen::VectorXd ranks(n);
  for (Eigen::Index i = 0; i < n;) {
    Eigen::Index j = i;
    while (j + 1 < n && values(order[j + 1]) == values(order[i])) ++j;
    const double rank = 0.5 * static_cast<double>(i + j) + 1.0;  // ranks are 1-based
    for (Eigen::Index k = i; k <= j; ++k) ranks(order[k]) = rank;
    i = j + 1;
  }
  return ranks;
}

Correlation spearman(const Eigen::VectorXd& x, const Eigen::VectorXd& y) {
  return with_p_value(pearson_r(average_ranks(x), average_ranks(y), "Spearman correlation"), x.size(), x.size() - 2);
}

Eigen::VectorXd residualise(const Eigen::VectorXd& y, const Eigen::MatrixXd& controls) {
  Eigen::MatrixXd design(y.size(), controls.cols() + 1);
  design.col(0).setOnes();
  design.rightCols(controls.cols()) = controls;
  const Eigen::VectorXd beta = design.colPivHouseholderQr().solve(y);
  return y - design * beta;
}

Correlation partial_correlation(const Eigen::VectorXd& x, const Eigen::VectorXd& y, const Eigen::MatrixXd& controls) {
  const int64_t n = x.size(), k = controls.cols();
  if (n - 2 - k <= 0)
    throw DegenerateRegression("partial correlation with " + std::to_string(k) + " controls needs more than " +
                               std::to_string(k + 2) + " observations (have " + std::to_string(n) + ")");
  const double r = pearson_r(residualise(x, controls), residualise(y, controls), "partial correlation (after the controls)");
  return with_p_value(r, n, n - 2 - k);
}

}  // namespace infobound::stats
