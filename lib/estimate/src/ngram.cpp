#include "infobound/estimate/ngram.hpp"

#include <algorithm>

#include "infobound/core/error.hpp"

namespace infobound::estimate {

Window ngram_window(int64_t sequence_length, int64_t max_order) { return {max_order - 1, sequence_length - max_order}; }

int64_t LabelPlan::max_order() const {
  int64_t order = 1;
  for (int64_t k : input_orders) order = std::max(order, k);
  for (int64_t k : output_orders) order = std::max(order, k);
  return order;
}

int64_t LabelPlan::min_order() const {
  int64_t order = max_order();
  for (int64_t k : input_orders) order = std::min(order, k);
  for (int64_t k : output_orders) order = std::min(order, k);
  return order;
}

std::vector<LabelSetSpec> LabelPlan::specs() const {
  std::vector<LabelSetSpec> specs;
  for (int64_t k : input_orders) {
    if (k < 1) throw InputError("n-gram orders must be >= 1");
    specs.push_back({"input_" + std::to_string(k), k});
  }
  for (int64_t k : output_orders) {
    if (k < 1) throw InputError("n-gram orders must be >= 1");
    specs.push_back({"output_" + std::to_string(k), k});
  }
  if (preference) specs.push_back({"preference", 1});
  return specs;
}

WindowMode parse_window_mode(const std::string& text) {
  if (text == "soft_h") return WindowMode::soft_h;
  if (text == "per_order") return WindowMode::per_order;
  throw InputError("window '" + text + "' is not one of soft_h, per_order");
}

BatchRows select_rows(std::span<const SequenceTokens> batch, int64_t padded_length, const LabelPlan& plan) {
  const std::vector<LabelSetSpec> specs = plan.specs();
  const bool per_order = plan.window == WindowMode::per_order;
  // Rows are the union of the windows: the smallest order's window in per-order mode.
  const int64_t row_order = per_order ? plan.min_order() : plan.max_order();

  int64_t n_rows = 0;
  for (const auto& sequence : batch) {
    const auto length = static_cast<int64_t>(sequence.ids.size());
    if (sequence.offset < 0 || sequence.offset + length > padded_length)
      throw InputError("a sequence of " + std::to_string(length) + " tokens at offset " + std::to_string(sequence.offset) +
                       " does not fit a padded length of " + std::to_string(padded_length));
    if (!sequence.preference.empty() && sequence.preference.size() != sequence.ids.size())
      throw InputError("preference labels must have one entry per token");
    n_rows += ngram_window(length, row_order).size();
  }

  BatchRows rows;
  rows.flat_index = at::empty({n_rows}, at::kLong);
  for (const auto& spec : specs) rows.labels.push_back(at::empty({n_rows, spec.key_width}, at::kLong));
  const bool any_mask = per_order || plan.preference;
  for (size_t s = 0; s < specs.size(); ++s) rows.valid.push_back(any_mask ? at::ones({n_rows}, at::kBool) : at::Tensor());

  int64_t* flat = rows.flat_index.data_ptr<int64_t>();
  int64_t row = 0;
  for (size_t b = 0; b < batch.size(); ++b) {
    const SequenceTokens& sequence = batch[b];
    const int64_t* ids = sequence.ids.data();
    const auto length = static_cast<int64_t>(sequence.ids.size());
    const Window window = ngram_window(length, row_order);
    for (int64_t i = window.start; i < window.end; ++i, ++row) {
      flat[row] = static_cast<int64_t>(b) * padded_length + sequence.offset + i;
      size_t s = 0;
      for (int64_t k : plan.input_orders) {
        int64_t* key = rows.labels[s].data_ptr<int64_t>() + row * k;
        const bool inside = !per_order || (i >= k - 1 && i < length - k);
        for (int64_t j = 0; j < k; ++j) key[j] = inside ? ids[i - k + 1 + j] : 0;
        if (!inside) rows.valid[s].data_ptr<bool>()[row] = false;
        ++s;
      }
      for (int64_t k : plan.output_orders) {
        int64_t* key = rows.labels[s].data_ptr<int64_t>() + row * k;
        const bool inside = !per_order || (i >= k - 1 && i < length - k);
        for (int64_t j = 0; j < k; ++j) key[j] = inside ? ids[i + 1 + j] : 0;
        if (!inside) rows.valid[s].data_ptr<bool>()[row] = false;
        ++s;
      }
      if (plan.preference) {
        const int8_t label = sequence.preference.empty() ? -1 : sequence.preference[i];
        rows.labels[s].data_ptr<int64_t>()[row] = label;
        if (label < 0) rows.valid[s].data_ptr<bool>()[row] = false;
      }
    }
  }
  // Sets whose rows are all labelled need no mask.
  for (auto& mask : rows.valid)
    if (mask.defined() && mask.all().item<bool>()) mask = at::Tensor();
  return rows;
}

}  // namespace infobound::estimate
