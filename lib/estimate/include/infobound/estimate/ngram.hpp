#pragma once
// Which token positions become estimator rows, and their labels: soft_h's LLMInferrer layout
// with exact tuple keys (fixtures/soft_entropy/README.md section 4).
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <ATen/ATen.h>

#include "infobound/estimate/accumulator.hpp"

namespace infobound::estimate {

enum class WindowMode {
  soft_h,     // one window for every label set, set by the largest order requested (default)
  per_order,  // order k uses its own window [k-1, len-k); rows are the union, labels masked
};

struct Window {
  int64_t start = 0;
  int64_t end = 0;  // exclusive; empty when end <= start
  int64_t size() const { return end > start ? end - start : 0; }
};

// soft_h: start = max_order - 1, end = length - max_order.
Window ngram_window(int64_t sequence_length, int64_t max_order);

struct LabelPlan {
  std::vector<int64_t> input_orders{1, 2, 3, 4};   // input_k: the k-gram ending at the position
  std::vector<int64_t> output_orders{1, 2, 3, 4};  // output_k: the k-gram starting at the next position
  bool preference = false;                         // 1 chosen, 0 rejected; other tokens unlabelled
  WindowMode window = WindowMode::soft_h;

  int64_t max_order() const;
  int64_t min_order() const;
  // input_1..input_K, output_1..output_K, then preference.
  std::vector<LabelSetSpec> specs() const;
  std::string window_name() const { return window == WindowMode::soft_h ? "soft_h" : "per_order"; }
};

WindowMode parse_window_mode(const std::string& text);

struct SequenceTokens {
  std::span<const int64_t> ids;        // the real tokens of the sequence
  std::span<const int8_t> preference;  // per token: 1, 0 or -1 (none); may be empty
  int64_t offset = 0;                  // position of ids[0] in its padded batch row (left padding)
};

struct BatchRows {
  at::Tensor flat_index;           // int64 [N]: b * padded_length + position, rows of hidden.view({B*T, d})
  std::vector<at::Tensor> labels;  // per spec: int64 [N, key_width]
  std::vector<at::Tensor> valid;   // per spec: bool [N], or undefined when every row is labelled
  int64_t size() const { return flat_index.numel(); }
};

BatchRows select_rows(std::span<const SequenceTokens> batch, int64_t padded_length, const LabelPlan& plan);

}  // namespace infobound::estimate
