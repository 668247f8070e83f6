#pragma once
// metrics.csv as the report needs it: one trajectory per (model, checkpoint), layers in order.
#include <array>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "infobound/io/csv_table.hpp"

namespace infobound::report {

constexpr double kMissing = std::numeric_limits<double>::quiet_NaN();

struct LayerValues {
  int64_t layer = 0;
  double H = kMissing;
  std::array<double, 4> complexity{kMissing, kMissing, kMissing, kMissing};
  std::array<double, 4> expressivity{kMissing, kMissing, kMissing, kMissing};
  std::array<double, 4> gap{kMissing, kMissing, kMissing, kMissing};
  std::array<double, 4> ratio{kMissing, kMissing, kMissing, kMissing};
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
  double block_mean(std::array<double, 4> LayerValues::*field, int order) const;
};

std::vector<Trajectory> read_trajectories(const io::CsvTable& metrics);

}  // namespace infobound::report
