#pragma once
// The metrics view as the report needs it: one trajectory per (model, checkpoint), layers in order.
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "infobound/io/metrics_table.hpp"

namespace infobound::report {

constexpr double kMissing = std::numeric_limits<double>::quiet_NaN();

// Values of orders 1..n, index k - 1; n is the run's largest order (at least 4, as metrics.csv).
using OrderValues = std::vector<double>;

struct LayerValues {
  int64_t layer = 0;
  double H = kMissing;
  OrderValues complexity = OrderValues(4, kMissing);
  OrderValues expressivity = OrderValues(4, kMissing);
  OrderValues gap = OrderValues(4, kMissing);
  OrderValues ratio = OrderValues(4, kMissing);
};

struct Trajectory {
  std::string model, family, checkpoint, tokenizer;
  double step = kMissing, tokens = kMissing, params = kMissing, loss = kMissing, n_bins = kMissing;
  int64_t n_layers = 0;
  std::vector<LayerValues> layers;  // sorted by layer
  bool final_checkpoint = false;    // the most-trained checkpoint of its model
  std::string label() const { return checkpoint.empty() ? model : model + "@" + checkpoint; }
  // "step 16" when the step is known, else the checkpoint name.
  std::string checkpoint_label() const;
  // Mean over the block layers 1..L (the regression's default layer selection).
  double block_mean(double LayerValues::*field) const;
  double block_mean(OrderValues LayerValues::*field, int order) const;
};

// One trajectory per (model, checkpoint) of the metrics view, orders 1..max(4, metrics.max_order()).
std::vector<Trajectory> read_trajectories(const io::MetricsTable& metrics);

}  // namespace infobound::report
