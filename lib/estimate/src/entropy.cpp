#include "infobound/estimate/entropy.hpp"

#include <algorithm>
#include <cmath>

namespace infobound::estimate {

double normalised_entropy(std::span<const double> counts) {
  double total = 0.0;
  for (double c : counts) total += c;
  if (!(total > 0.0) || counts.size() < 2) return 0.0;
  static const double kLogClip = std::log(1e-9);
  double sum = 0.0;
  for (double c : counts) {
    const double q = c / total;
    if (q > 0.0) sum -= q * (q < 1e-9 ? kLogClip : std::log(q));
  }
  return sum / std::log(static_cast<double>(counts.size()));
}

}  // namespace infobound::estimate
