#pragma once
// p(X = input k-gram, Y = next token) over the positions the estimator used.
#include <cstdint>
#include <span>

#include "infobound/bound/joint_distribution.hpp"

namespace infobound::bound {

struct NgramJointOptions {
  int64_t order = 1;  // k: X = (ids[i-k+1], ..., ids[i]), Y = ids[i+1]
  // soft_h window (DESIGN.md 4): rows [window_order-1, len-window_order) with window_order =
  // the largest order the run requested; per_order: rows [k-1, len-k).
  int64_t window_order = 1;
  bool per_order_window = false;
  // Keep at most this many distinct contexts: the context_cap-1 most frequent ones (ties broken
  // by the smaller key), all others merged into one context. 0 = no cap.
  int64_t context_cap = 0;
};

struct NgramJoint {
  JointDistribution joint;
  int64_t n_positions = 0;      // positions counted
  int64_t n_contexts = 0;       // distinct contexts before the cap
  int64_t merged_contexts = 0;  // contexts folded into the merged one (0 when uncapped)
  int64_t n_tokens = 0;         // distinct next tokens
};

// Throws InputError when the window leaves no position (corpus too short for the order).
NgramJoint ngram_joint(std::span<const int64_t> ids, std::span<const int64_t> offsets, const NgramJointOptions& options);

}  // namespace infobound::bound
