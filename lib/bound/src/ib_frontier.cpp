// The curve from the converged solutions, shared by both schedules.
#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "infobound/bound/information_bottleneck.hpp"

namespace infobound::bound {

std::vector<IbPoint> upper_frontier(std::vector<IbPoint> candidates, int64_t* n_pruned) {
  // The curve is the upper concave envelope of every converged solution: what minimising the
  // IB Lagrangian I(X;T) - beta I(T;Y) over all beta traces. Solutions below it (local optima
  // of the annealing, points that would break monotonicity or concavity) are pruned; the
  // vertices are actual encoders, and between two of them the curve is their time-sharing mix.
  candidates.insert(candidates.begin(), IbPoint{0.0, 0.0, 0.0});  // T independent of X is always achievable
  std::stable_sort(candidates.begin(), candidates.end(), [](const IbPoint& a, const IbPoint& b) {
    if (a.i_xt != b.i_xt) return a.i_xt < b.i_xt;
    return a.i_ty > b.i_ty;
  });  // stable: the origin (beta = 0) stays first among the points at I(X;T) = 0
  std::vector<IbPoint> hull;
  for (const IbPoint& p : candidates) {
    if (!hull.empty() && p.i_xt == hull.back().i_xt) continue;  // same complexity, less relevance
    while (hull.size() >= 2) {
      const IbPoint& a = hull[hull.size() - 2];
      const IbPoint& b = hull.back();
      // b is dropped when it lies on or below the chord from a to p.
      const double cross = (b.i_xt - a.i_xt) * (p.i_ty - a.i_ty) - (b.i_ty - a.i_ty) * (p.i_xt - a.i_xt);
      if (cross < -1e-15 * std::max(1.0, std::abs(p.i_ty))) break;
      hull.pop_back();
    }
    hull.push_back(p);
  }
  // Past the highest I(T;Y) the envelope descends: more complexity buys nothing there.
  const auto top = std::max_element(hull.begin(), hull.end(), [](const IbPoint& a, const IbPoint& b) { return a.i_ty < b.i_ty; });
  hull.erase(top + 1, hull.end());
  // Flat start (all solutions at I(T;Y) = 0): keep only the origin.
  while (hull.size() >= 2 && hull[1].i_ty <= hull[0].i_ty) hull.erase(hull.begin() + 1);
  if (n_pruned) *n_pruned = static_cast<int64_t>(candidates.size()) - static_cast<int64_t>(hull.size());
  return hull;
}

double curve_value_at(const std::vector<IbPoint>& points, double i_xt) {
  if (points.empty()) throw std::invalid_argument("curve_value_at: empty curve");
  if (i_xt <= points.front().i_xt)
    return points.front().i_xt > 0 ? points.front().i_ty * std::max(i_xt, 0.0) / points.front().i_xt : points.front().i_ty;
  for (std::size_t i = 1; i < points.size(); ++i) {
    if (i_xt <= points[i].i_xt) {
      const IbPoint& a = points[i - 1];
      const IbPoint& b = points[i];
      const double w = (i_xt - a.i_xt) / (b.i_xt - a.i_xt);
      return a.i_ty + w * (b.i_ty - a.i_ty);
    }
  }
  return points.back().i_ty;
}

double curve_excess(const std::vector<IbPoint>& a, const std::vector<IbPoint>& b) {
  double excess = 0;
  for (const auto* points : {&a, &b})
    for (const IbPoint& p : *points) excess = std::max(excess, curve_value_at(a, p.i_xt) - curve_value_at(b, p.i_xt));
  return excess;
}

double curve_distance(const std::vector<IbPoint>& a, const std::vector<IbPoint>& b) {
  return std::max(curve_excess(a, b), curve_excess(b, a));
}

}  // namespace infobound::bound
