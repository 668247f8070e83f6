#pragma once
// Soft counts per label, accumulated in float64 (DESIGN.md section 4). Labels are exact tuples;
// the per-row work is one hash lookup per label set per batch (shared by every layer) and one
// add of the assignment row per label set per layer: no loop over distinct labels.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <ATen/ATen.h>

#include "infobound/estimate/label_keys.hpp"

namespace infobound::estimate {

struct LabelSetSpec {
  std::string name;
  int64_t key_width = 1;  // input_3 has width 3
};

// One label set of one layer. Rows are keys in first-seen order.
struct LabelTableState {
  std::string name;
  int64_t key_width = 1;
  std::vector<int64_t> keys;    // [K * key_width]
  std::vector<int64_t> counts;  // [K]
  std::vector<double> bins;     // [K * n_bins]
  // Rows whose label occurs once in the whole corpus (known from a counting pass) are folded:
  // only their number, the sum of their assignments and the sum of their entropies are kept.
  int64_t folded_rows = 0;
  double folded_entropy_sum = 0.0;
  std::vector<double> folded_bins;  // [n_bins]
};

struct LayerState {
  int64_t n_bins = 0;
  int64_t n_rows = 0;
  std::vector<double> bins;  // [n_bins]
  std::vector<LabelTableState> label_sets;
};

struct Metrics {
  int64_t n_rows = 0;
  double H = 0.0;                              // H(Z) / ln n_bins
  std::map<std::string, double> mi;            // I(X;Z) / ln n_bins per label set
  std::map<std::string, double> regularity;    // I(X;Z) / H(Z); NaN when H(Z) <= 0
  std::map<std::string, int64_t> labelled_rows;
};

// A label set that labels every row uses the layer's bins and row count (exactly soft_h). One
// that labels only some rows (preference labels, per-order windows) uses its own marginal.
Metrics compute_metrics(const LayerState& state);
double optimality(double expressivity, double complexity);

struct ConditionalEntropies {
  std::vector<int64_t> keys;  // [K * key_width], sorted lexicographically
  std::vector<int64_t> counts;
  std::vector<double> values;  // H(Z | X = key) / ln n_bins
};
ConditionalEntropies conditional_entropies(const LayerState& state, const std::string& label_set);

// Accumulates all layers of one unit of work. Labels are set once per batch of rows and serve
// every layer of that batch.
class MultiLayerAccumulator {
 public:
  MultiLayerAccumulator(int64_t n_bins, int64_t n_layers, std::vector<LabelSetSpec> label_sets);

  // Optional, before the first batch: per label set, the keys that occur once in the whole corpus
  // (from LabelCounter). Null entries fold nothing.
  void fold_singletons(const std::vector<std::shared_ptr<const KeyIndex>>& singletons_per_set);

  // Labels of the next batch: per label set an int64 tensor [N] or [N, key_width] on the CPU, and
  // optionally a bool [N] mask of the rows that carry a label of that set (undefined = all).
  void set_labels(const std::vector<at::Tensor>& labels, const std::vector<at::Tensor>& valid = {});
  // p: [N, n_bins] float32 or float64, on any device; N as in the last set_labels.
  void add_layer(int64_t layer, const at::Tensor& p);

  // Appends another accumulator's counts. Merging in a fixed order gives bit-identical results.
  void merge(const MultiLayerAccumulator& other);

  int64_t n_layers() const { return static_cast<int64_t>(layers_.size()); }
  int64_t n_bins() const { return n_bins_; }
  const std::vector<LabelSetSpec>& label_sets() const { return specs_; }
  LayerState layer_state(int64_t layer) const;
  static MultiLayerAccumulator from_states(const std::vector<LayerState>& layers);

 private:
  struct SetIndex {
    KeyIndex keys;
    std::vector<int64_t> counts;
    int64_t folded_rows = 0;
    std::shared_ptr<const KeyIndex> singletons;
    std::vector<int64_t> batch_rows;   // per row of the current batch: table row, kUnlabelled or kFolded
    std::vector<int64_t> batch_order;  // labelled rows of the batch, sorted by table row (stable)
  };
  struct SetBins {
    std::vector<double> table;        // [K * n_bins]
    std::vector<double> folded_bins;  // [n_bins]
    double folded_entropy_sum = 0.0;
  };
  struct Layer {
    int64_t n_rows = 0;
    std::vector<double> bins;
    std::vector<SetBins> sets;
  };
  static constexpr int64_t kUnlabelled = -1;
  static constexpr int64_t kFolded = -2;

  template <typename Scalar>
  void scatter(Layer& layer, const Scalar* p, int64_t n_rows);

  int64_t n_bins_;
  std::vector<LabelSetSpec> specs_;
  std::vector<SetIndex> sets_;
  std::vector<Layer> layers_;
  int64_t batch_rows_ = -1;  // rows of the current batch; -1 before set_labels
  bool batch_has_folded_ = false;
};

// One layer: the estimator of soft_h's SoftEntropyAccumulator.
class Accumulator {
 public:
  Accumulator(int64_t n_bins, std::vector<LabelSetSpec> label_sets);
  void add(const at::Tensor& p, const std::vector<at::Tensor>& labels, const std::vector<at::Tensor>& valid = {});
  void merge(const Accumulator& other) { inner_.merge(other.inner_); }
  Metrics metrics() const { return compute_metrics(state()); }
  LayerState state() const { return inner_.layer_state(0); }
  static Accumulator from_state(const LayerState& state);
  MultiLayerAccumulator& multi_layer() { return inner_; }

 private:
  explicit Accumulator(MultiLayerAccumulator inner) : inner_(std::move(inner)) {}
  MultiLayerAccumulator inner_;
};

// Token-only counting pass: counts every key of every label set, so that keys seen once in the
// whole corpus can be folded (DESIGN.md section 4).
class LabelCounter {
 public:
  explicit LabelCounter(std::vector<LabelSetSpec> label_sets);
  void add(const std::vector<at::Tensor>& labels, const std::vector<at::Tensor>& valid = {});
  void merge(const LabelCounter& other);
  std::vector<std::shared_ptr<const KeyIndex>> singletons() const;

 private:
  std::vector<LabelSetSpec> specs_;
  std::vector<KeyIndex> keys_;
  std::vector<std::vector<int64_t>> counts_;
};

}  // namespace infobound::estimate
