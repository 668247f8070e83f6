#pragma once
// The sufficient statistics of one hidden state for the soft-entropy metrics (DESIGN.md section 4),
// exact so that they combine in any order: soft counts in int64 fixed point, sums of per-key
// entropy terms in 128-bit fixed point. Produced by lib/estimate, stored by lib/io, reduced by
// lib/pipeline; plain data (no ATen) so that each of them can use it.
#include <cstdint>
#include <string>
#include <vector>

namespace infobound {

// Fixed-point scale of soft counts: a count c is stored as round(c * 2^bits). Chosen from the most
// rows a unit can hold so that no sum of assignments (each <= 1) can overflow int64, and capped so
// that the rounding stays exact in double arithmetic.
int fixed_point_bits_for_rows(int64_t max_rows);
double fixed_point_value(int64_t fixed, int bits);

// A sum of non-negative terms kept exactly: each term is rounded once to 2^-64 and the sum is an
// integer, so it does not depend on the order of additions. Terms up to ~2^62 in magnitude.
class ExactSum {
 public:
  void add(double term) { add(of_term(term)); }
  void add(const ExactSum& other) { value_ += other.value_; }
  // One term, rounded as add(term) rounds it: a term added to many sums is rounded once.
  static ExactSum of_term(double term);
  double value() const;
  // Two's-complement words for storage.
  int64_t high_word() const { return static_cast<int64_t>(value_ >> 64); }
  int64_t low_word() const { return static_cast<int64_t>(static_cast<unsigned __int128>(value_) & ~uint64_t{0}); }
  static ExactSum from_words(int64_t high, int64_t low);
  bool operator==(const ExactSum& other) const { return value_ == other.value_; }

 private:
  __int128 value_ = 0;
};

struct LabelSetStatistics {
  std::string name;
  int64_t key_width = 1;
  int64_t labelled_rows = 0;      // rows carrying a label of this set (folded rows included)
  int64_t distinct_keys = 0;      // keys with a table row
  int64_t folded_rows = 0;        // rows whose key occurs once in the corpus (no table row)
  std::vector<int64_t> marginal;  // [n_bins] fixed point: soft counts of the labelled rows
  ExactSum conditional;           // sum over keys x of n_x H(Z | X = x) / ln n_bins

  // Adds another part of the same set (another owner's keys, another split of rows).
  void add(const LabelSetStatistics& other);
};

struct LayerStatistics {
  int64_t layer = 0;  // hidden-state index (0 = embeddings)
  int64_t n_bins = 0;
  int64_t fixed_point_bits = 0;
  int64_t n_rows = 0;
  std::vector<int64_t> bins;  // [n_bins] fixed point: soft counts of all rows
  std::vector<LabelSetStatistics> label_sets;

  // Exact combination of two parts of one layer computed on disjoint rows and disjoint keys.
  void add(const LayerStatistics& other);
};

}  // namespace infobound
