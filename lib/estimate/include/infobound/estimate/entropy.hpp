#pragma once
// Efficiency-normalised entropy of exact (fixed-point) soft counts, with soft_h's rule.
#include <cstdint>
#include <span>

namespace infobound::estimate {

// H(q) / ln(n) with q = counts / sum(counts); terms with q < 1e-9 use ln(1e-9) (soft_h's clip,
// which keeps 0 ln 0 = 0 and matches near-hard assignments). A vector without mass (sum <= 0) has no
// entropy: InputError.
double normalised_entropy(std::span<const int64_t> counts);

}  // namespace infobound::estimate
