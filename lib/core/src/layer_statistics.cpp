#include "infobound/core/layer_statistics.hpp"

#include <bit>
#include <cmath>

#include "infobound/core/error.hpp"

namespace infobound {
namespace {
constexpr int kMaxBits = 51;                           // round(p * 2^bits) for p <= 1 stays below 2^52: exact in double
constexpr double kTermScale = 18446744073709551616.0;  // 2^64
}  // namespace

int fixed_point_bits_for_rows(int64_t max_rows) {
  if (max_rows < 1) max_rows = 1;
  const int bits = 62 - static_cast<int>(std::bit_width(static_cast<uint64_t>(max_rows)));
  if (bits < 16) throw InputError("too many rows for exact soft counts: " + std::to_string(max_rows));
  return bits < kMaxBits ? bits : kMaxBits;
}

double fixed_point_value(int64_t fixed, int bits) { return std::ldexp(static_cast<double>(fixed), -bits); }

ExactSum ExactSum::of_term(double term) {
  if (!std::isfinite(term)) throw InputError("a non-finite term in an exact sum");
  ExactSum sum;
  sum.value_ = static_cast<__int128>(std::nearbyint(term * kTermScale));
  return sum;
}

double ExactSum::value() const {
  // Split so that the conversion is exact for the high part and rounded once for the low part.
  const __int128 high = value_ >> 64;
  const auto low = static_cast<uint64_t>(static_cast<unsigned __int128>(value_) & ~uint64_t{0});
  return static_cast<double>(high) + static_cast<double>(low) / kTermScale;
}

ExactSum ExactSum::from_words(int64_t high, int64_t low) {
  ExactSum sum;
  sum.value_ = (static_cast<__int128>(high) << 64) | static_cast<__int128>(static_cast<uint64_t>(low));
  return sum;
}

void LabelSetStatistics::add(const LabelSetStatistics& other) {
  if (other.name != name || other.key_width != key_width || other.marginal.size() != marginal.size())
    throw InputError("cannot combine statistics of label set '" + other.name + "' with '" + name + "'");
  labelled_rows += other.labelled_rows;
  distinct_keys += other.distinct_keys;
  folded_rows += other.folded_rows;
  for (std::size_t j = 0; j < marginal.size(); ++j) marginal[j] += other.marginal[j];
  conditional.add(other.conditional);
}

void LayerStatistics::add(const LayerStatistics& other) {
  if (other.layer != layer || other.n_bins != n_bins || other.fixed_point_bits != fixed_point_bits ||
      other.label_sets.size() != label_sets.size())
    throw InputError("cannot combine statistics of layer " + std::to_string(other.layer) + " with layer " +
                     std::to_string(layer) + " (bins, scale or label sets differ)");
  n_rows += other.n_rows;
  for (std::size_t j = 0; j < bins.size(); ++j) bins[j] += other.bins[j];
  for (std::size_t s = 0; s < label_sets.size(); ++s) label_sets[s].add(other.label_sets[s]);
}

}  // namespace infobound
