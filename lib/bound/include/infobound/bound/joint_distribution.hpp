#pragma once
// A joint distribution p(x, y) stored as p(x) and sparse rows p(y | x): the shape of n-gram
// statistics, where each context is followed by few of the vocabulary's tokens.
#include <cstdint>
#include <vector>

namespace infobound::bound {

struct JointDistribution {
  std::vector<double> p_x;          // [n_x], sums to 1
  std::vector<int64_t> row_begin;   // [n_x + 1]: row x holds entries [row_begin[x], row_begin[x+1])
  std::vector<int32_t> y;           // column of each entry, in [0, n_y), increasing within a row
  std::vector<double> p_y_given_x;  // > 0, each row sums to 1
  int64_t n_y = 0;

  int64_t n_x() const { return static_cast<int64_t>(p_x.size()); }
  std::vector<double> marginal_y() const;
  double entropy_x() const;           // nats
  double entropy_y() const;           // nats
  double mutual_information() const;  // I(X;Y), nats

  // The contexts with identical rows p(y|x) merged into one (p(x) summed), in first-seen order.
  // The IB problem is the same: its updates see x only through p(y|x), so such contexts get the
  // same p(t|x), and I(X;T), I(T;Y) and I(X;Y) do not change; for hard clusterings splitting them
  // never helps (I(T;Y) - s H(T) is convex in their shares). H(X) does change.
  JointDistribution merged_identical_rows() const;

  // From a dense table of non-negative weights w[x][y] (normalised here); rows of zero weight
  // and columns never used are kept (they carry no mass). Throws std::invalid_argument on a
  // negative or non-finite weight or an all-zero table.
  static JointDistribution from_dense(const std::vector<std::vector<double>>& weights);
};

}  // namespace infobound::bound
