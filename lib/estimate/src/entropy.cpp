#include "infobound/estimate/entropy.hpp"

#include <cmath>

#include "infobound/core/error.hpp"

namespace infobound::estimate {

double normalised_entropy(std::span<const int64_t> counts) {
  int64_t total = 0;
  for (const int64_t c : counts) {
    if (c < 0) throw InputError("the entropy of a negative soft count");
    total += c;
  }
  if (total <= 0) throw InputError("the entropy of an empty soft count (no assignment mass)");
  if (counts.size() < 2) return 0.0;
  static const double kLogClip = std::log(1e-9);
  const auto t = static_cast<double>(total);
  double sum = 0.0;
  for (const int64_t c : counts) {
    if (c == 0) continue;
    const double q = static_cast<double>(c) / t;
    sum -= q * (q < 1e-9 ? kLogClip : std::log(q));
  }
  return sum / std::log(static_cast<double>(counts.size()));
}

}  // namespace infobound::estimate
