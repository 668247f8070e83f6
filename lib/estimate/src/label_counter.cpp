#include <algorithm>
#include <numeric>

#include "infobound/core/error.hpp"
#include "infobound/estimate/accumulator.hpp"
#include "label_tensors.hpp"
#include "parallel_items.hpp"

namespace infobound::estimate {

LabelCounter::LabelCounter(std::vector<LabelSetSpec> label_sets, int64_t owner, int64_t n_owners)
    : specs_(std::move(label_sets)), owner_(owner), n_owners_(n_owners) {
  if (n_owners < 1 || owner < 0 || owner >= n_owners) throw InputError("LabelCounter: owner outside 0..n_owners-1");
  for (const auto& spec : specs_) keys_.emplace_back(spec.key_width);
  counts_.resize(specs_.size());
}

void LabelCounter::add(const std::vector<at::Tensor>& labels, const std::vector<at::Tensor>& valid) {
  const auto keys = detail::checked_labels(specs_, labels);
  if (keys.empty()) return;
  const auto masks = detail::checked_masks(specs_, valid, keys[0].size(0));
  // Each set counts into its own index: the sets in parallel.
  detail::for_each_taken(true, detail::widest_keys_first(specs_), [&](int64_t set) {
    const auto s = static_cast<std::size_t>(set);
    const int64_t* all = keys[s].data_ptr<int64_t>();
    const int64_t width = specs_[s].key_width;
    const bool* mask = masks[s].defined() ? masks[s].data_ptr<bool>() : nullptr;
    KeyIndex& index = keys_[s];
    index.for_each_hashed(all, keys[s].size(0), [&](int64_t i, uint64_t key_hash) {
      const int64_t* key = all + i * width;
      if (mask && !mask[i]) return;
      if (n_owners_ > 1 && key_owner(key, width, n_owners_) != owner_) return;
      const int64_t row = index.find_or_insert(key, key_hash);
      if (row == static_cast<int64_t>(counts_[s].size())) counts_[s].push_back(0);
      ++counts_[s][static_cast<std::size_t>(row)];
    });
  });
}

void LabelCounter::merge(const LabelCounter& other) {
  if (other.specs_.size() != specs_.size()) throw InputError("cannot merge label counters of different label sets");
  for (size_t s = 0; s < specs_.size(); ++s) {
    for (int64_t r = 0; r < other.keys_[s].size(); ++r) {
      const int64_t row = keys_[s].find_or_insert(other.keys_[s].key(r).data());
      if (row == static_cast<int64_t>(counts_[s].size())) counts_[s].push_back(0);
      counts_[s][row] += other.counts_[s][r];
    }
  }
}

std::vector<std::shared_ptr<const KeyIndex>> LabelCounter::kept_keys() const {
  std::vector<std::shared_ptr<const KeyIndex>> out;
  for (size_t s = 0; s < specs_.size(); ++s) {
    const KeyIndex& keys = keys_[s];
    const int64_t w = specs_[s].key_width;
    std::vector<int64_t> rows;
    for (int64_t r = 0; r < keys.size(); ++r)
      if (counts_[s][r] > 1) rows.push_back(r);
    std::sort(rows.begin(), rows.end(), [&](int64_t a, int64_t b) {
      const auto ka = keys.key(a), kb = keys.key(b);
      return std::lexicographical_compare(ka.begin(), ka.end(), kb.begin(), kb.end());
    });
    auto kept = std::make_shared<KeyIndex>(w);
    kept->reserve(static_cast<int64_t>(rows.size()));
    for (const int64_t r : rows) kept->find_or_insert(keys.key(r).data());
    out.push_back(std::move(kept));
  }
  return out;
}

std::vector<LabelCounter::Census> LabelCounter::census(int64_t n_owners) const {
  std::vector<Census> out;
  for (size_t s = 0; s < specs_.size(); ++s) {
    Census c;
    std::vector<int64_t> per_owner(static_cast<std::size_t>(std::max<int64_t>(1, n_owners)), 0);
    c.distinct_keys = keys_[s].size();
    for (int64_t r = 0; r < keys_[s].size(); ++r) {
      c.labelled_rows += counts_[s][r];
      if (counts_[s][r] < 2) continue;
      ++c.kept_keys;
      ++per_owner[static_cast<std::size_t>(key_owner(keys_[s].key(r).data(), specs_[s].key_width, n_owners))];
    }
    c.max_owner_kept = *std::max_element(per_owner.begin(), per_owner.end());
    out.push_back(c);
  }
  return out;
}

}  // namespace infobound::estimate
