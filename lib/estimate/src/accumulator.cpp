#include "infobound/estimate/accumulator.hpp"

#include <algorithm>
#include <cmath>

#include "infobound/core/error.hpp"
#include "label_tensors.hpp"

namespace infobound::estimate {

MultiLayerAccumulator::MultiLayerAccumulator(int64_t n_bins, int64_t n_layers, std::vector<LabelSetSpec> label_sets)
    : n_bins_(n_bins), specs_(std::move(label_sets)) {
  if (n_bins < 2) throw InputError("the estimator needs n_bins >= 2");
  if (n_layers < 1) throw InputError("the estimator needs at least one layer");
  for (const auto& spec : specs_) sets_.push_back(SetIndex{KeyIndex(spec.key_width), {}, 0, nullptr, {}, {}});
  layers_.resize(n_layers);
  for (auto& layer : layers_) {
    layer.bins.assign(n_bins_, 0.0);
    layer.sets.resize(specs_.size());
    for (auto& set : layer.sets) set.folded_bins.assign(n_bins_, 0.0);
  }
}

void MultiLayerAccumulator::fold_singletons(const std::vector<std::shared_ptr<const KeyIndex>>& singletons) {
  if (singletons.size() != sets_.size())
    throw InputError("fold_singletons needs one entry per label set");
  for (size_t s = 0; s < sets_.size(); ++s) {
    if (sets_[s].keys.size() > 0 || sets_[s].folded_rows > 0)
      throw InputError("fold_singletons must be called before the first batch");
    if (singletons[s] && singletons[s]->key_width() != specs_[s].key_width)
      throw InputError("singleton keys of '" + specs_[s].name + "' have the wrong width");
    sets_[s].singletons = singletons[s];
  }
}

void MultiLayerAccumulator::set_labels(const std::vector<at::Tensor>& labels, const std::vector<at::Tensor>& valid) {
  const auto keys = detail::checked_labels(specs_, labels);
  const int64_t n_rows = keys.empty() ? (valid.empty() || !valid[0].defined() ? 0 : valid[0].size(0)) : keys[0].size(0);
  const auto masks = detail::checked_masks(specs_, valid, n_rows);
  batch_rows_ = keys.empty() ? -1 : n_rows;
  batch_has_folded_ = false;
  for (size_t s = 0; s < sets_.size(); ++s) {
    SetIndex& set = sets_[s];
    const int64_t* key = keys[s].data_ptr<int64_t>();
    const bool* mask = masks[s].defined() ? masks[s].data_ptr<bool>() : nullptr;
    set.batch_rows.resize(n_rows);
    for (int64_t i = 0; i < n_rows; ++i, key += set.keys.key_width()) {
      if (mask && !mask[i]) {
        set.batch_rows[i] = kUnlabelled;
      } else if (set.singletons && set.singletons->find(key) >= 0) {
        set.batch_rows[i] = kFolded;
        ++set.folded_rows;
        batch_has_folded_ = true;
      } else {
        const int64_t row = set.keys.find_or_insert(key);
        if (row == static_cast<int64_t>(set.counts.size())) set.counts.push_back(0);
        ++set.counts[row];
        set.batch_rows[i] = row;
      }
    }
    set.batch_order.clear();
    for (int64_t i = 0; i < n_rows; ++i)
      if (set.batch_rows[i] != kUnlabelled) set.batch_order.push_back(i);
    std::stable_sort(set.batch_order.begin(), set.batch_order.end(),
                     [&](int64_t a, int64_t b) { return set.batch_rows[a] < set.batch_rows[b]; });
  }
}

namespace {
// Normalised entropy of each row of p (soft_h's clip included), for the rows of folded labels.
template <typename Scalar>
std::vector<double> row_entropies(const Scalar* p, int64_t n_rows, int64_t n) {
  static const double kLogClip = std::log(1e-9);
  const double log_n = std::log(static_cast<double>(n));
  std::vector<double> out(n_rows);
  for (int64_t i = 0; i < n_rows; ++i) {
    const Scalar* row = p + i * n;
    double total = 0.0;
    for (int64_t j = 0; j < n; ++j) total += static_cast<double>(row[j]);
    double h = 0.0;
    for (int64_t j = 0; j < n; ++j) {
      const double q = static_cast<double>(row[j]) / total;
      if (q > 0.0) h -= q * (q < 1e-9 ? kLogClip : std::log(q));
    }
    out[i] = h / log_n;
  }
  return out;
}
}  // namespace

template <typename Scalar>
void MultiLayerAccumulator::scatter(Layer& layer, const Scalar* p, int64_t n_rows) {
  const int64_t n = n_bins_;
  for (int64_t i = 0; i < n_rows; ++i)
    for (int64_t j = 0; j < n; ++j) layer.bins[j] += static_cast<double>(p[i * n + j]);
  const std::vector<double> entropies = batch_has_folded_ ? row_entropies(p, n_rows, n) : std::vector<double>{};
  for (size_t s = 0; s < sets_.size(); ++s) {
    const SetIndex& index = sets_[s];
    SetBins& set = layer.sets[s];
    const size_t needed = index.counts.size() * static_cast<size_t>(n);
    if (set.table.size() < needed) set.table.resize(needed, 0.0);
    // Rows in table order (stable, so each key still sums its rows in row order): rows of one
    // label hit one cached block, and the table is walked forwards.
    for (const int64_t i : index.batch_order) {
      const int64_t target = index.batch_rows[i];
      const Scalar* row = p + i * n;
      double* out = target == kFolded ? set.folded_bins.data() : set.table.data() + target * n;
      for (int64_t j = 0; j < n; ++j) out[j] += static_cast<double>(row[j]);
      if (target == kFolded) set.folded_entropy_sum += entropies[i];
    }
  }
  layer.n_rows += n_rows;
}

void MultiLayerAccumulator::add_layer(int64_t layer_index, const at::Tensor& p) {
  if (layer_index < 0 || layer_index >= n_layers())
    throw InputError("layer " + std::to_string(layer_index) + " is outside [0, " + std::to_string(n_layers()) + ")");
  if (p.dim() != 2 || p.size(1) != n_bins_)
    throw InputError("assignments must have shape [N, " + std::to_string(n_bins_) + "]");
  if (!sets_.empty() && p.size(0) != batch_rows_)
    throw InputError("assignments have " + std::to_string(p.size(0)) + " rows but the labels of this batch have " +
                     std::to_string(batch_rows_));
  at::Tensor host = p.to(at::kCPU);
  if (host.scalar_type() != at::kFloat && host.scalar_type() != at::kDouble) host = host.to(at::kFloat);
  host = host.contiguous();
  Layer& layer = layers_[layer_index];
  if (host.scalar_type() == at::kFloat)
    scatter(layer, host.data_ptr<float>(), host.size(0));
  else
    scatter(layer, host.data_ptr<double>(), host.size(0));
}

void MultiLayerAccumulator::merge(const MultiLayerAccumulator& other) {
  if (other.n_bins_ != n_bins_ || other.n_layers() != n_layers() || other.specs_.size() != specs_.size())
    throw InputError("cannot merge accumulators of different shapes (bins, layers or label sets)");
  for (size_t s = 0; s < specs_.size(); ++s)
    if (other.specs_[s].name != specs_[s].name || other.specs_[s].key_width != specs_[s].key_width)
      throw InputError("cannot merge label set '" + other.specs_[s].name + "' into '" + specs_[s].name + "'");
  const int64_t n = n_bins_;
  for (size_t s = 0; s < sets_.size(); ++s) {
    SetIndex& mine = sets_[s];
    const SetIndex& theirs = other.sets_[s];
    std::vector<int64_t> target(theirs.counts.size());
    for (int64_t r = 0; r < theirs.keys.size(); ++r) {
      target[r] = mine.keys.find_or_insert(theirs.keys.key(r).data());
      if (target[r] == static_cast<int64_t>(mine.counts.size())) mine.counts.push_back(0);
      mine.counts[target[r]] += theirs.counts[r];
    }
    mine.folded_rows += theirs.folded_rows;
    for (int64_t l = 0; l < n_layers(); ++l) {
      SetBins& into = layers_[l].sets[s];
      const SetBins& from = other.layers_[l].sets[s];
      into.table.resize(mine.counts.size() * n, 0.0);
      for (size_t r = 0; r < target.size() && (r + 1) * n <= from.table.size(); ++r)
        for (int64_t j = 0; j < n; ++j) into.table[target[r] * n + j] += from.table[r * n + j];
      for (int64_t j = 0; j < n; ++j) into.folded_bins[j] += from.folded_bins[j];
      into.folded_entropy_sum += from.folded_entropy_sum;
    }
  }
  for (int64_t l = 0; l < n_layers(); ++l) {
    layers_[l].n_rows += other.layers_[l].n_rows;
    for (int64_t j = 0; j < n; ++j) layers_[l].bins[j] += other.layers_[l].bins[j];
  }
}

LayerState MultiLayerAccumulator::layer_state(int64_t layer_index) const {
  const Layer& layer = layers_.at(layer_index);
  LayerState state{n_bins_, layer.n_rows, layer.bins, {}};
  for (size_t s = 0; s < sets_.size(); ++s) {
    LabelTableState table;
    table.name = specs_[s].name;
    table.key_width = specs_[s].key_width;
    table.keys = sets_[s].keys.keys();
    table.counts = sets_[s].counts;
    table.bins = layer.sets[s].table;
    table.bins.resize(table.counts.size() * n_bins_, 0.0);  // keys seen in other layers' batches only
    table.folded_rows = sets_[s].folded_rows;
    table.folded_entropy_sum = layer.sets[s].folded_entropy_sum;
    table.folded_bins = layer.sets[s].folded_bins;
    state.label_sets.push_back(std::move(table));
  }
  return state;
}

MultiLayerAccumulator MultiLayerAccumulator::from_states(const std::vector<LayerState>& layers) {
  if (layers.empty()) throw InputError("no layer states to restore");
  std::vector<LabelSetSpec> specs;
  for (const auto& table : layers[0].label_sets) specs.push_back({table.name, table.key_width});
  MultiLayerAccumulator acc(layers[0].n_bins, static_cast<int64_t>(layers.size()), specs);
  const int64_t n = acc.n_bins_;
  for (size_t s = 0; s < specs.size(); ++s) {
    const LabelTableState& first = layers[0].label_sets[s];
    const int64_t k = static_cast<int64_t>(first.counts.size());
    if (static_cast<int64_t>(first.keys.size()) != k * first.key_width)
      throw InputError("label set '" + first.name + "': keys and counts disagree in length");
    for (int64_t r = 0; r < k; ++r) acc.sets_[s].keys.find_or_insert(first.keys.data() + r * first.key_width);
    if (acc.sets_[s].keys.size() != k) throw InputError("label set '" + first.name + "' has duplicate keys");
    acc.sets_[s].counts = first.counts;
    acc.sets_[s].folded_rows = first.folded_rows;
  }
  for (size_t l = 0; l < layers.size(); ++l) {
    const LayerState& state = layers[l];
    if (state.n_bins != n || state.label_sets.size() != specs.size() || static_cast<int64_t>(state.bins.size()) != n)
      throw InputError("layer " + std::to_string(l) + " does not match the shape of layer 0");
    Layer& layer = acc.layers_[l];
    layer.n_rows = state.n_rows;
    layer.bins = state.bins;
    for (size_t s = 0; s < specs.size(); ++s) {
      const LabelTableState& table = state.label_sets[s];
      if (table.keys != layers[0].label_sets[s].keys || table.counts != layers[0].label_sets[s].counts)
        throw InputError("label set '" + table.name + "' differs between layers 0 and " + std::to_string(l));
      if (table.bins.size() != table.counts.size() * n || static_cast<int64_t>(table.folded_bins.size()) != n)
        throw InputError("label set '" + table.name + "' of layer " + std::to_string(l) + " has bins of the wrong size");
      layer.sets[s] = SetBins{table.bins, table.folded_bins, table.folded_entropy_sum};
    }
  }
  return acc;
}

Accumulator::Accumulator(int64_t n_bins, std::vector<LabelSetSpec> label_sets) : inner_(n_bins, 1, std::move(label_sets)) {}

void Accumulator::add(const at::Tensor& p, const std::vector<at::Tensor>& labels, const std::vector<at::Tensor>& valid) {
  inner_.set_labels(labels, valid);
  inner_.add_layer(0, p);
}

Accumulator Accumulator::from_state(const LayerState& state) {
  return Accumulator(MultiLayerAccumulator::from_states({state}));
}

}  // namespace infobound::estimate
