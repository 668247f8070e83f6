#pragma once
// Exact soft counts per label (DESIGN.md section 4). Assignments are rounded once to int64 fixed
// point (infobound/core/layer_statistics.hpp), so every sum is an integer sum and does not depend on
// the order of additions: threads, batches, ranks and merges give bit-identical statistics.
// Labels are exact tuples; per batch one hash lookup per label set (shared by every layer) and
// one add of the assignment row per label set per layer: no loop over distinct labels.
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <ATen/ATen.h>

#include "infobound/core/layer_statistics.hpp"
#include "infobound/estimate/accumulate_workers.hpp"
#include "infobound/estimate/label_keys.hpp"

namespace infobound::estimate {

struct LabelSetSpec {
  std::string name;
  int64_t key_width = 1;  // input_3 has width 3
};

struct Metrics {
  int64_t n_rows = 0;
  double H = 0.0;                            // H(Z) / ln n_bins
  std::map<std::string, double> mi;          // I(X;Z) / ln n_bins per label set; NaN when no row is labelled
  std::map<std::string, double> regularity;  // I(X;Z) / H(Z); NaN when H(Z) <= 0
  std::map<std::string, int64_t> labelled_rows;
};

// A label set that labels every row uses the layer's marginal (exactly soft_h); one that labels
// only some rows (preference labels, per-order windows) uses its own marginal.
Metrics compute_metrics(const LayerStatistics& statistics);
double optimality(double expressivity, double complexity);

// The full table of one label set of one layer (for tests, debugging and `estimator.keep_tables`).
struct LabelTable {
  std::string name;
  int64_t key_width = 1;
  std::vector<int64_t> keys;    // [K * key_width], table order
  std::vector<int64_t> counts;  // [K]
  std::vector<int64_t> bins;    // [K * n_bins] fixed point
  int64_t folded_rows = 0;
};

struct ConditionalEntropies {
  std::vector<int64_t> keys;  // [K * key_width], sorted lexicographically
  std::vector<int64_t> counts;
  std::vector<double> values;  // H(Z | X = key) / ln n_bins
};
ConditionalEntropies conditional_entropies(const LabelTable& table, int64_t n_bins);

// Which parts of the statistics a call adds to: the layer marginal (bins, rows) and/or the label
// tables. Ranks sharing a unit add the marginal of their own rows and the tables of the keys they own.
enum class Parts { all, marginal, tables };

// Accumulates the selected layers of one unit of work. Labels are set once per batch of rows and
// serve every layer of that batch.
class MultiLayerAccumulator {
 public:
  // `max_rows`: the most rows this accumulator and everything merged into it can hold; it fixes
  // the fixed-point scale (the same for every part of a unit).
  MultiLayerAccumulator(int64_t n_bins, std::vector<int64_t> layers, std::vector<LabelSetSpec> label_sets, int64_t max_rows);
  MultiLayerAccumulator(const MultiLayerAccumulator&) = delete;
  MultiLayerAccumulator& operator=(const MultiLayerAccumulator&) = delete;
  MultiLayerAccumulator(MultiLayerAccumulator&&) = default;
  ~MultiLayerAccumulator();

  // Optional, before the first batch: per label set the keys that get a table row (keys seen more
  // than once in the whole corpus, from LabelCounter). Any other key of that set is folded: only
  // its row count, assignment sum and entropy term are kept. Null entries fold nothing.
  void use_kept_keys(const std::vector<std::shared_ptr<const KeyIndex>>& kept);
  // Scatters on `workers` (overlapping with the caller's forward) instead of the calling thread.
  // The workers must outlive every scatter submitted to them (finish() or the destructor waits).
  void use_workers(AccumulateWorkers* workers) { workers_ = workers; }

  // Labels of the next batch: per label set an int64 tensor [N] or [N, key_width] on the CPU, and
  // optionally a bool [N] mask of the rows that carry a label of that set (undefined = all).
  void set_labels(const std::vector<at::Tensor>& labels, const std::vector<at::Tensor>& valid = {});
  // p: [N, n_bins] float32 or float64 on any device, N as in the last set_labels (any N for
  // Parts::marginal). `slot` indexes the accumulator's layers. Throws InputError on a value outside
  // [0, 1] (non-finite hidden states), naming `where`.
  void add_layer(int64_t slot, const at::Tensor& p, Parts parts = Parts::all, const std::string& where = "");

  // Adds another accumulator's counts (same shape and scale).
  void merge(MultiLayerAccumulator& other);
  // Waits for scatters in flight (rethrows their errors).
  void finish();

  int64_t n_bins() const { return n_bins_; }
  int fixed_point_bits() const { return bits_; }
  const std::vector<int64_t>& layers() const { return layer_ids_; }
  const std::vector<LabelSetSpec>& label_sets() const { return specs_; }
  // This accumulator's part of a layer's statistics (call finish() first when using workers).
  LayerStatistics statistics(int64_t slot) const;
  LabelTable table(int64_t slot, int64_t set) const;
  // Bytes of table memory now held.
  int64_t table_bytes() const;

 private:
  struct SetIndex {
    KeyIndex keys;
    std::vector<int64_t> counts;
    int64_t folded_rows = 0;
    std::shared_ptr<const KeyIndex> kept;  // preassigned table rows; null = rows by first sight
  };
  struct SetTable {
    std::vector<int64_t> table;        // [K * n_bins]
    std::vector<int64_t> folded_bins;  // [n_bins]
    ExactSum folded_conditional;
  };
  struct Layer {
    int64_t n_rows = 0;
    std::vector<int64_t> bins;
    std::vector<SetTable> sets;
    std::mutex busy;  // one scatter into a layer at a time; the order of scatters does not matter
  };
  struct Routing;  // per batch: table row of each labelled row, per set

  // threaded: spread over torch's threads (the caller's own scatter, not an accumulate worker's).
  // p: the assignments on the CPU, contiguous float32 or float64; where: names them in errors.
  void scatter(Layer& layer, const at::Tensor& p, const Routing* routing, Parts parts, bool threaded, const std::string& where);
  const SetIndex& index_of(int64_t set) const;
  // Set s's part of a batch's routing: its table rows looked up (or added), its folded and unlabelled rows.
  void route_rows(std::size_t s, const std::vector<at::Tensor>& keys, const std::vector<at::Tensor>& masks, int64_t n_rows,
                  Routing& routing);

  int64_t n_bins_;
  int bits_;
  int64_t max_rows_;
  std::vector<int64_t> layer_ids_;
  std::vector<LabelSetSpec> specs_;
  std::vector<SetIndex> sets_;
  std::vector<std::unique_ptr<Layer>> layers_;
  std::shared_ptr<const Routing> routing_;
  AccumulateWorkers* workers_ = nullptr;
  bool scatters_pending_ = false;  // submitted to workers_ since the last finish()
};

// One layer: the estimator of soft_h's SoftEntropyAccumulator.
class Accumulator {
 public:
  Accumulator(int64_t n_bins, std::vector<LabelSetSpec> label_sets, int64_t max_rows);
  void add(const at::Tensor& p, const std::vector<at::Tensor>& labels, const std::vector<at::Tensor>& valid = {});
  void merge(Accumulator& other) { inner_.merge(other.inner_); }
  Metrics metrics() const { return compute_metrics(statistics()); }
  LayerStatistics statistics() const { return inner_.statistics(0); }
  LabelTable table(const std::string& label_set) const;
  int64_t n_bins() const { return inner_.n_bins(); }
  MultiLayerAccumulator& multi_layer() { return inner_; }

 private:
  MultiLayerAccumulator inner_;
};

// Token-only counting pass over the whole corpus: counts every key of every label set, so that
// keys seen once can be folded (DESIGN.md section 4) and the table sizes are known in advance.
class LabelCounter {
 public:
  // With n_owners > 1 only the keys `owner` holds (key_owner) are counted: 1/n_owners of the memory.
  explicit LabelCounter(std::vector<LabelSetSpec> label_sets, int64_t owner = 0, int64_t n_owners = 1);
  void add(const std::vector<at::Tensor>& labels, const std::vector<at::Tensor>& valid = {});
  void merge(const LabelCounter& other);

  // Per label set the keys seen more than once, in lexicographic order so that the table layout
  // does not depend on how the corpus was read.
  std::vector<std::shared_ptr<const KeyIndex>> kept_keys() const;

  struct Census {
    int64_t labelled_rows = 0;
    int64_t distinct_keys = 0;
    int64_t kept_keys = 0;       // seen more than once
    int64_t max_owner_kept = 0;  // the largest owner's share of kept keys (for n_owners given)
  };
  std::vector<Census> census(int64_t n_owners = 1) const;
  const std::vector<LabelSetSpec>& label_sets() const { return specs_; }

 private:
  std::vector<LabelSetSpec> specs_;
  int64_t owner_ = 0, n_owners_ = 1;
  std::vector<KeyIndex> keys_;
  std::vector<std::vector<int64_t>> counts_;
};

}  // namespace infobound::estimate
