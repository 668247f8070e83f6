#include "infobound/bound/joint_distribution.hpp"

#include <cmath>
#include <cstring>
#include <stdexcept>
#include <unordered_map>

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
    for (int64_t e = row_begin[x]; e < row_begin[x + 1]; ++e) kl += p_y_given_x[e] * std::log(p_y_given_x[e] / p_y[y[e]]);
    mi += p_x[x] * kl;
  }
  return std::max(mi, 0.0);
}

JointDistribution JointDistribution::merged_identical_rows() const {
  auto row_hash = [&](int64_t x) {
    uint64_t h = 0x9E3779B97F4A7C15ull;
    for (int64_t e = row_begin[x]; e < row_begin[x + 1]; ++e) {
      uint64_t bits;
      std::memcpy(&bits, &p_y_given_x[e], sizeof bits);
      for (const uint64_t v : {static_cast<uint64_t>(y[e]), bits}) {
        h ^= v + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
        h *= 0xBF58476D1CE4E5B9ull;
      }
    }
    return h;
  };
  auto same_row = [&](int64_t a, int64_t b) {
    if (row_begin[a + 1] - row_begin[a] != row_begin[b + 1] - row_begin[b]) return false;
    for (int64_t i = 0; i < row_begin[a + 1] - row_begin[a]; ++i)
      if (y[row_begin[a] + i] != y[row_begin[b] + i] || p_y_given_x[row_begin[a] + i] != p_y_given_x[row_begin[b] + i])
        return false;
    return true;
  };
  JointDistribution merged;
  merged.n_y = n_y;
  merged.row_begin.push_back(0);
  std::unordered_multimap<uint64_t, int64_t> seen;  // row hash -> merged row
  std::vector<int64_t> kept;                        // the original row each merged row copies
  for (int64_t x = 0; x < n_x(); ++x) {
    const uint64_t h = row_hash(x);
    int64_t target = -1;
    for (auto [it, end] = seen.equal_range(h); it != end; ++it)
      if (same_row(kept[it->second], x)) {
        target = it->second;
        break;
      }
    if (target >= 0) {
      merged.p_x[target] += p_x[x];
      continue;
    }
    seen.emplace(h, static_cast<int64_t>(kept.size()));
    kept.push_back(x);
    merged.p_x.push_back(p_x[x]);
    for (int64_t e = row_begin[x]; e < row_begin[x + 1]; ++e) {
      merged.y.push_back(y[e]);
      merged.p_y_given_x.push_back(p_y_given_x[e]);
    }
    merged.row_begin.push_back(static_cast<int64_t>(merged.y.size()));
  }
  return merged;
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
