#pragma once
// Items of unequal cost spread over torch's threads, for loops whose items write disjoint memory.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <vector>

#include <ATen/Parallel.h>

namespace infobound::estimate::detail {

// body(order[k]) for every k, the items taken in that order by whichever of torch's threads is
// free (an even split of 8 label sets of unequal cost leaves one thread idle); in order when not
// threaded. Each item writes its own memory, so no result depends on who took it.
template <typename Body>
void for_each_taken(bool threaded, const std::vector<int64_t>& order, const Body& body) {
  const auto n = static_cast<int64_t>(order.size());
  if (!threaded || n < 2 || at::get_num_threads() < 2) {
    for (const int64_t item : order) body(item);
    return;
  }
  std::atomic<int64_t> next = 0;
  at::parallel_for(0, std::min<int64_t>(n, at::get_num_threads()), 1, [&](int64_t, int64_t) {
    for (int64_t k = next++; k < n; k = next++) body(order[static_cast<std::size_t>(k)]);
  });
}

// Label sets ordered for for_each_taken when each costs a key lookup per row: widest keys first.
template <typename Spec>
std::vector<int64_t> widest_keys_first(const std::vector<Spec>& specs) {
  std::vector<int64_t> order(specs.size());
  for (std::size_t s = 0; s < specs.size(); ++s) order[s] = static_cast<int64_t>(s);
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
    return specs[static_cast<std::size_t>(a)].key_width > specs[static_cast<std::size_t>(b)].key_width;
  });
  return order;
}

}  // namespace infobound::estimate::detail
