#pragma once
// Efficiency-normalised entropy of soft counts, exactly as soft_h computes it.
#include <cstdint>
#include <span>

namespace infobound::estimate {

// H(q) / ln(n) with q = counts / sum(counts); terms with q < 1e-9 use ln(1e-9) (soft_h's clip,
// which keeps 0 ln 0 = 0 and matches near-hard assignments). Returns 0 for an all-zero vector.
double normalised_entropy(std::span<const double> counts);

}  // namespace infobound::estimate
