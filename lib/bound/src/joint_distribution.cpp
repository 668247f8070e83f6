#include "infobound/bound/joint_distribution.hpp"

#include <cmath>
#include <stdexcept>

namespace infobound::bound {
namespace {
double entropy(const std::vector<double>& p) {
  double h = 0;
  for (const double q : p)
    if (q > 0) h -= q * std::log(q);
  return h;
}
}  // namespace

std::vector<double> JointDistribution::marginal_y() const {
  std::vector<double> p(static_cast<std::size_t>(n_y), 0.0);
  for (int64_t x = 0; x < n_x(); ++x)
    for (int64_t e = row_begin[x]; e < row_begin[x + 1]; ++e) p[y[e]] += p_x[x] * p_y_given_x[e];
  return p;
}

double JointDistribution::entropy_x() const { return entropy(p_x); }
double JointDistribution::entropy_y() const { return entropy(marginal_y()); }

double JointDistribution::mutual_information() const {
  // I(X;Y) = sum_x p(x) KL(p(y|x) || p(y)).
  const auto p_y = marginal_y();
  double mi = 0;
  for (int64_t x = 0; x < n_x(); ++x) {
    double kl = 0;
    for (int64_t e = row_begin[x]; e < row_begin[x + 1]; ++e)
      kl += p_y_given_x[e] * std::log(p_y_given_x[e] / p_y[y[e]]);
    mi += p_x[x] * kl;
  }
  return std::max(mi, 0.0);
}

JointDistribution JointDistribution::from_dense(const std::vector<std::vector<double>>& weights) {
  JointDistribution joint;
  double total = 0;
  for (const auto& row : weights) {
    joint.n_y = std::max<int64_t>(joint.n_y, static_cast<int64_t>(row.size()));
    for (const double w : row) {
      if (!(w >= 0) || !std::isfinite(w)) throw std::invalid_argument("JointDistribution: negative or non-finite weight");
      total += w;
    }
  }
  if (!(total > 0)) throw std::invalid_argument("JointDistribution: all weights are zero");
  joint.row_begin.push_back(0);
  for (const auto& row : weights) {
    double row_total = 0;
    for (const double w : row) row_total += w;
    joint.p_x.push_back(row_total / total);
    for (std::size_t y = 0; y < row.size(); ++y)
      if (row[y] > 0) {
        joint.y.push_back(static_cast<int32_t>(y));
        joint.p_y_given_x.push_back(row[y] / row_total);
      }
    joint.row_begin.push_back(static_cast<int64_t>(joint.y.size()));
  }
  return joint;
}

}  // namespace infobound::bound
