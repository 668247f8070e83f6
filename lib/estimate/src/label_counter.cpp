#include "infobound/core/error.hpp"
#include "infobound/estimate/accumulator.hpp"
#include "label_tensors.hpp"

namespace infobound::estimate {

LabelCounter::LabelCounter(std::vector<LabelSetSpec> label_sets) : specs_(std::move(label_sets)) {
  for (const auto& spec : specs_) keys_.emplace_back(spec.key_width);
  counts_.resize(specs_.size());
}

void LabelCounter::add(const std::vector<at::Tensor>& labels, const std::vector<at::Tensor>& valid) {
  const auto keys = detail::checked_labels(specs_, labels);
  if (keys.empty()) return;
  const auto masks = detail::checked_masks(specs_, valid, keys[0].size(0));
  for (size_t s = 0; s < specs_.size(); ++s) {
    const int64_t* key = keys[s].data_ptr<int64_t>();
    const bool* mask = masks[s].defined() ? masks[s].data_ptr<bool>() : nullptr;
    for (int64_t i = 0; i < keys[s].size(0); ++i, key += specs_[s].key_width) {
      if (mask && !mask[i]) continue;
      const int64_t row = keys_[s].find_or_insert(key);
      if (row == static_cast<int64_t>(counts_[s].size())) counts_[s].push_back(0);
      ++counts_[s][row];
    }
  }
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

std::vector<std::shared_ptr<const KeyIndex>> LabelCounter::singletons() const {
  std::vector<std::shared_ptr<const KeyIndex>> out;
  for (size_t s = 0; s < specs_.size(); ++s) {
    auto once = std::make_shared<KeyIndex>(specs_[s].key_width);
    for (int64_t r = 0; r < keys_[s].size(); ++r)
      if (counts_[s][r] == 1) once->find_or_insert(keys_[s].key(r).data());
    out.push_back(std::move(once));
  }
  return out;
}

}  // namespace infobound::estimate
