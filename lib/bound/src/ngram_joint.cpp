#include "infobound/bound/ngram_joint.hpp"

#include <algorithm>
#include <array>
#include <numeric>
#include <string>
#include <unordered_map>
#include <vector>

#include "infobound/core/config.hpp"
#include "infobound/core/error.hpp"
#include "infobound/estimate/ngram.hpp"

namespace infobound::bound {
namespace {

using Key = std::array<int64_t, kMaxOrder>;

struct KeyHash {
  std::size_t operator()(const Key& key) const noexcept {
    uint64_t h = 0x9E3779B97F4A7C15ull;
    for (const int64_t v : key) {
      h ^= static_cast<uint64_t>(v) + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
      h *= 0xBF58476D1CE4E5B9ull;
    }
    return static_cast<std::size_t>(h ^ (h >> 31));
  }
};

}  // namespace

NgramJoint ngram_joint(std::span<const int64_t> ids, std::span<const int64_t> offsets, const NgramJointOptions& options) {
  const int64_t k = options.order;
  if (k < 1 || k > kMaxOrder)
    throw InputError("n-gram order " + std::to_string(k) + " is outside 1.." + std::to_string(kMaxOrder));
  const int64_t window_order = options.per_order_window ? k : options.window_order;
  if (window_order < k)
    throw InputError("window order " + std::to_string(window_order) + " is smaller than the n-gram order " + std::to_string(k));

  // Contexts get indices in first-seen order; (context, token) pairs are collected and counted.
  std::unordered_map<Key, int64_t, KeyHash> context_index;
  std::vector<Key> contexts;
  std::vector<int64_t> context_count;
  std::unordered_map<int64_t, int32_t> token_index;
  std::vector<std::pair<int64_t, int32_t>> pairs;
  NgramJoint result;

  for (std::size_t s = 0; s + 1 < offsets.size(); ++s) {
    const int64_t begin = offsets[s], length = offsets[s + 1] - offsets[s];
    // The estimator's window rule, so the bound and the estimator read the same positions.
    const estimate::Window window = estimate::ngram_window(length, window_order);
    for (int64_t i = window.start; i < window.end; ++i) {
      Key key{};
      key.fill(-1);
      for (int64_t j = 0; j < k; ++j) key[j] = ids[begin + i - k + 1 + j];
      auto [it, inserted] = context_index.try_emplace(key, static_cast<int64_t>(contexts.size()));
      if (inserted) {
        contexts.push_back(key);
        context_count.push_back(0);
      }
      ++context_count[it->second];
      const int64_t next = ids[begin + i + 1];
      auto [token, new_token] = token_index.try_emplace(next, static_cast<int32_t>(token_index.size()));
      pairs.emplace_back(it->second, token->second);
      ++result.n_positions;
    }
  }
  if (result.n_positions == 0)
    throw InputError("no position in the corpus window for order " + std::to_string(k) + " (window order " +
                     std::to_string(window_order) + "): every sequence is shorter than " + std::to_string(2 * window_order));
  result.n_contexts = static_cast<int64_t>(contexts.size());
  result.n_tokens = static_cast<int64_t>(token_index.size());

  // Rank contexts by frequency (then key) so the cap is deterministic; remap to that order.
  std::vector<int64_t> rank(contexts.size());
  std::iota(rank.begin(), rank.end(), 0);
  std::sort(rank.begin(), rank.end(), [&](int64_t a, int64_t b) {
    if (context_count[a] != context_count[b]) return context_count[a] > context_count[b];
    return contexts[a] < contexts[b];
  });
  const int64_t n = result.n_contexts;
  const bool capped = options.context_cap > 0 && n > options.context_cap;
  const int64_t kept = capped ? options.context_cap - 1 : n;
  std::vector<int64_t> new_index(contexts.size());
  for (int64_t r = 0; r < n; ++r) new_index[rank[r]] = std::min(r, kept);
  const int64_t n_x = capped ? kept + 1 : n;
  result.merged_contexts = capped ? n - kept : 0;

  // Next tokens are renumbered by id so that columns do not depend on the corpus order.
  std::vector<std::pair<int64_t, int32_t>> tokens(token_index.begin(), token_index.end());
  std::sort(tokens.begin(), tokens.end());
  std::vector<int32_t> token_column(tokens.size());
  for (std::size_t c = 0; c < tokens.size(); ++c) token_column[tokens[c].second] = static_cast<int32_t>(c);

  for (auto& [x, y] : pairs) {
    x = new_index[x];
    y = token_column[y];
  }
  std::sort(pairs.begin(), pairs.end());

  JointDistribution& joint = result.joint;
  joint.n_y = result.n_tokens;
  joint.p_x.assign(static_cast<std::size_t>(n_x), 0.0);
  joint.row_begin.assign(static_cast<std::size_t>(n_x) + 1, 0);
  const double total = static_cast<double>(pairs.size());
  std::size_t e = 0;
  for (int64_t x = 0; x < n_x; ++x) {
    joint.row_begin[x] = static_cast<int64_t>(joint.y.size());
    const std::size_t row_start = e;
    while (e < pairs.size() && pairs[e].first == x) ++e;
    const double row_total = static_cast<double>(e - row_start);
    joint.p_x[x] = row_total / total;
    for (std::size_t f = row_start; f < e;) {
      std::size_t g = f;
      while (g < e && pairs[g].second == pairs[f].second) ++g;
      joint.y.push_back(pairs[f].second);
      joint.p_y_given_x.push_back(static_cast<double>(g - f) / row_total);
      f = g;
    }
  }
  joint.row_begin[n_x] = static_cast<int64_t>(joint.y.size());
  return result;
}

}  // namespace infobound::bound
