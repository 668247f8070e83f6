#pragma once
// The kernels of the adaptive IB schedule, parallel over contexts on the IbThreads. Every
// sum that crosses contexts is taken per fixed block of contexts and the blocks' partial sums
// are added in block order, so results are bit-identical whatever the thread count.
#include <atomic>
#include <cstdint>
#include <functional>
#include <vector>

#include "ib_threads.hpp"
#include "infobound/bound/information_bottleneck.hpp"

namespace infobound::bound {

class IbEngine {
 public:
  IbEngine(const JointDistribution& joint, int64_t n_clusters, IbThreads& threads);

  int64_t n_x() const { return n_x_; }
  int64_t n_clusters() const { return T_; }
  double mutual_information() const { return i_xy_; }
  // The most threads that ran one of this engine's loops.
  int64_t threads_used() const { return threads_used_.load(); }

  // An encoder is p(t|x), [n_x * T], linear. Random streams are counter-based (seed, stream,
  // entry), so they do not depend on the order in which threads visit contexts.
  std::vector<double> random_encoder(uint64_t seed, uint64_t stream) const;
  // A floor of amount/100 on every p(t|x) (emptied clusters can come back), then +-amount
  // multiplicative noise (identical clusters can split); rows renormalised.
  void perturb(std::vector<double>& encoder, double amount, uint64_t seed, uint64_t stream) const;

  struct Solved {
    IbPoint point;
    int64_t iterations = 0;
    bool abandoned = false;  // stopped by `abandon`
  };
  // Where an iteration's encoder lies, from the decoder it was computed with: I(X;T) and I(T;Y)
  // up to that decoder's lag, exact at a fixed point.
  using Abandon = std::function<bool(const IbPoint& estimate)>;
  // The IB equations at beta from `encoder` (updated in place) until max |delta p(t|x)| <
  // tolerance, or the objective's relative change < objective_tolerance twice in a row, or
  // `abandon` (when given) says the iterations have gone where the caller will not keep them.
  Solved solve(double beta, std::vector<double>& encoder, int64_t max_iterations, double tolerance, double objective_tolerance,
               const Abandon& abandon = nullptr);
  IbPoint evaluate(const std::vector<double>& encoder);

  bool is_hard(const std::vector<double>& encoder) const;  // min_x max_t p(t|x) > 1 - 1e-12
  std::vector<int32_t> hard_assignment(const std::vector<double>& encoder) const;
  // A hard encoder with 1e-8 on every other cluster, so annealing down from it can move.
  void soften(const std::vector<int32_t>& assignment, std::vector<double>& encoder) const;

  // Sequential IB over hard clusterings (Slonim, Friedman and Tishby 2002) maximising
  // I(T;Y) - inverse_beta I(X;T): each context in turn moves to the cluster where it gains most.
  // The moves are those of the sequential algorithm: a block of contexts has its gains computed
  // in parallel, then is visited in order, and a move only changes the gains of the two clusters
  // it touches, which are recomputed for the rest of the block. Stops after a sweep with no
  // move, one that gains less than objective_tolerance * I(X;Y), or max_sweeps; returns sweeps.
  static constexpr int64_t kMaxSweeps = 100;
  int64_t refine_hard(std::vector<int32_t>& assignment, double inverse_beta, double objective_tolerance,
                      int64_t max_sweeps = kMaxSweeps);
  IbPoint evaluate_hard(const std::vector<int32_t>& assignment) const;

 private:
  // body(i) for i in [0, n) on the threads; the threads that took part counted in threads_used_.
  template <typename Body>
  void for_each(int64_t n, const Body& body) const;
  template <typename Body>
  void for_each_block(int64_t n_blocks, const Body& body) const;
  // body(item) for every item of the balanced ranges, the ranges spread over the threads.
  template <typename Body>
  void for_each_balanced(const std::vector<int64_t>& bounds, const Body& body) const;

  struct Step {
    double objective;  // L after the update, from the decoder of the encoder before it
    double change;     // max |delta p(t|x)|
    IbPoint estimate;  // the updated encoder's point, from the same decoder
  };
  // One IB iteration: the decoder of `encoder`, then every p(t|x) from it. after_update: the
  // encoder is the one the previous iterate() left, whose float copy and p(t) sums it wrote.
  Step iterate(double beta, std::vector<double>& encoder, bool after_update);
  void add_cluster_mass(int64_t block, const double* encoder_block);
  void decode(const std::vector<double>& encoder, bool after_update);
  double encoder_information(const std::vector<double>& encoder) const;
  double relevant_information() const;

  IbThreads& threads_;
  const JointDistribution& joint_;
  int64_t T_, n_x_, n_y_;
  double i_xy_;
  std::vector<double> neg_entropy_;    // [n_x]: sum_y p(y|x) ln p(y|x)
  // Tables over tokens use the engine's columns, by decreasing p(y); by_token_[y]: y's column.
  std::vector<int32_t> by_token_, entry_column_;  // entry_column_: joint.y in columns
  std::vector<int64_t> column_begin_;  // p(x, y) by column: the contexts each token follows
  std::vector<int32_t> column_x_;
  std::vector<double> column_p_;
  std::vector<double> p_y_;  // by column
  // The decoder of the last decode(): p(t), ln p(t) and ln p(y|t), y-major [n_y * T]; p(y|t)
  // itself only from the last decode of an exact encoder (evaluate's).
  std::vector<double> p_t_, log_p_t_, p_y_t_, log_p_y_t_;
  std::vector<double> log_partition_;  // [n_x]: ln Z(x) of the last update
  // The threads' shares of the work: ranges of context blocks and of tokens of about equal cost.
  std::vector<int64_t> x_block_ranges_, y_ranges_;
  mutable std::atomic<int64_t> threads_used_{1};
  std::vector<double> block_change_, block_free_energy_, block_expected_kl_;
  std::vector<double> block_p_t_;     // [blocks * T]: each block's share of p(t)
  std::vector<float> encoder_float_;  // the last update's p(t|x), rounded to float
};

}  // namespace infobound::bound
