#pragma once
// The hot loops of exact accumulation: rounding assignments to fixed point, adding rows, and the
// entropy of a fixed-point row.
#include <cstdint>
#include <span>

#include <ATen/ATen.h>

#include "infobound/estimate/entropy.hpp"

namespace infobound::estimate::detail {

// round(p * 2^bits) of rows [begin, end) of a contiguous CPU float32/float64 [N, n] tensor into
// out, and their sum added into sum[n]. False when a value is not in [0, 1] (NaN or infinite
// hidden states end up here).
bool quantize_rows(const at::Tensor& p, int bits, int64_t begin, int64_t end, int64_t* out, int64_t* sum);

inline double fixed_point_entropy(const int64_t* row, int64_t n) {
  return normalised_entropy(std::span<const int64_t>(row, static_cast<std::size_t>(n)));
}

// into[n] += row[n] (they must not overlap).
void add_row(int64_t* into, const int64_t* row, int64_t n);

// The rows of soft assignments p [N, n] (contiguous CPU float32/float64) as the fixed-point values
// quantize_rows gives, rounded where they are added: the set pass reads each row into several
// tables, and a float row is half the bytes of its int64 one. Values outside [0, 1] are for
// quantize_rows to find; here they add arbitrary integers (wrapping, not undefined).
class FixedPointRows {
 public:
  FixedPointRows(const at::Tensor& p, int bits);
  int64_t n() const { return n_; }
  // into[n] += round(p[row] * 2^bits).
  void add_to(int64_t row, int64_t* into) const;
  // The same into two vectors.
  void add_to_both(int64_t row, int64_t* into, int64_t* also) const;
  void prefetch(int64_t row) const;

 private:
  const float* floats_ = nullptr;
  const double* doubles_ = nullptr;
  int64_t n_;
  double scale_;
};

// Rows of `rows` grouped by their table row: group g holds order[ends[g - 1] .. ends[g]) and is
// added into table row targets[g], and into also[n] when that is not null. A group's rows are
// summed first, so a table row is read and written once per batch however many rows it labels.
void add_row_groups(const FixedPointRows& rows, std::span<const int64_t> order, std::span<const int64_t> targets,
                    std::span<const int64_t> ends, int64_t* table, int64_t* also);

// into[n] += the rows listed in `listed`.
void add_listed_rows(const FixedPointRows& rows, std::span<const int64_t> listed, int64_t* into);

}  // namespace infobound::estimate::detail
