#pragma once
// Asking the cache for a row before it is read: the IB engine's gathers and the estimator's set
// pass read rows at places the hardware prefetchers cannot guess, in tables larger than the cache.
#include <cstdint>

namespace infobound {

// The n values of one row, each cache line once; for_write when the row is about to be written.
template <typename Value>
[[gnu::always_inline]] inline void prefetch_row(const Value* row, int64_t n, bool for_write = false) {
  constexpr int64_t kPerLine = 64 / static_cast<int64_t>(sizeof(Value));
  for (int64_t j = 0; j < n; j += kPerLine) {
    if (for_write) __builtin_prefetch(row + j, 1, 3);
    else __builtin_prefetch(row + j, 0, 3);
  }
}

}  // namespace infobound
