#include "infobound/estimate/accumulator.hpp"

#include <algorithm>
#include <atomic>
#include <bit>
#include <cmath>
#include <utility>

#include "fixed_point.hpp"
#include "infobound/core/error.hpp"
#include "label_tensors.hpp"
#include "parallel_items.hpp"

namespace infobound::estimate {

// Per batch and label set: which batch rows go to which table row, which are folded and which
// are unlabelled. Shared by every layer's scatter of the batch.
struct MultiLayerAccumulator::Routing {
  struct Set {
    // Rows with a table row, grouped by it in ascending table order (rows ascending within a
    // group): each table row is then read and written once per batch, walking the table forwards.
    std::vector<int64_t> order;
    std::vector<int64_t> targets;  // per group
    std::vector<int64_t> ends;     // per group: its end in order
    std::vector<int64_t> folded;
    std::vector<int64_t> unlabelled;
    int64_t table_rows = 0;  // table size after this batch
  };
  int64_t n_rows = 0;
  std::vector<Set> sets;
  std::vector<int64_t> sets_by_cost;  // the order in which scatters take the sets: costliest first
  std::vector<char> folded;           // per batch row: folded in some set (its entropy is needed)
};

namespace {

// order, targets, ends: see Routing::Set; table rows are below table_rows. A stable radix sort by
// table row of the rows taken in ascending order: a few passes over the rows instead of a
// comparison sort's log2(rows) (it was a fifth of set_labels).
void group_by_table_row(const std::vector<int64_t>& table_row_of, int64_t table_rows, std::vector<int64_t>& order,
                        std::vector<int64_t>& targets, std::vector<int64_t>& ends) {
  const auto n_rows = static_cast<int64_t>(table_row_of.size());
  const auto row_of = [&](int64_t i) { return table_row_of[static_cast<std::size_t>(i)]; };
  for (int64_t i = 0; i < n_rows; ++i)
    if (row_of(i) >= 0) order.push_back(i);
  constexpr int kDigitBits = 11;
  constexpr int64_t kRadix = int64_t{1} << kDigitBits;
  std::vector<int64_t> sorted(order.size()), starts(kRadix);
  const int row_bits = static_cast<int>(std::bit_width(static_cast<uint64_t>(std::max<int64_t>(table_rows - 1, 1))));
  for (int shift = 0; shift < row_bits; shift += kDigitBits) {
    std::fill(starts.begin(), starts.end(), 0);
    for (const int64_t i : order) ++starts[static_cast<std::size_t>((row_of(i) >> shift) & (kRadix - 1))];
    int64_t start = 0;
    for (int64_t& slot : starts) start += std::exchange(slot, start);
    for (const int64_t i : order)
      sorted[static_cast<std::size_t>(starts[static_cast<std::size_t>((row_of(i) >> shift) & (kRadix - 1))]++)] = i;
    order.swap(sorted);
  }
  for (std::size_t k = 0; k < order.size(); ++k) {
    const int64_t target = row_of(order[k]);
    if (k > 0 && target != targets.back()) ends.push_back(static_cast<int64_t>(k));
    if (k == 0 || target != targets.back()) targets.push_back(target);
  }
  if (!order.empty()) ends.push_back(static_cast<int64_t>(order.size()));
}

}  // namespace

MultiLayerAccumulator::MultiLayerAccumulator(int64_t n_bins, std::vector<int64_t> layers, std::vector<LabelSetSpec> label_sets,
                                             int64_t max_rows)
    : n_bins_(n_bins),
      bits_(fixed_point_bits_for_rows(max_rows)),
      max_rows_(max_rows),
      layer_ids_(std::move(layers)),
      specs_(std::move(label_sets)) {
  if (n_bins < 2) throw InputError("the estimator needs n_bins >= 2");
  if (layer_ids_.empty()) throw InputError("the estimator needs at least one layer");
  for (const auto& spec : specs_) sets_.push_back(SetIndex{KeyIndex(spec.key_width), {}, 0, nullptr});
  for (std::size_t l = 0; l < layer_ids_.size(); ++l) {
    auto layer = std::make_unique<Layer>();
    layer->bins.assign(n_bins_, 0);
    layer->sets.resize(specs_.size());
    for (auto& set : layer->sets) set.folded_bins.assign(n_bins_, 0);
    layers_.push_back(std::move(layer));
  }
}

MultiLayerAccumulator::~MultiLayerAccumulator() {
  // Scatters still in flight (an error unwound the caller) write into this accumulator's layers.
  if (workers_ && scatters_pending_) {
    try {
      workers_->wait();
    } catch (...) {  // an error already reported through finish() or lost with the accumulator
    }
  }
}

void MultiLayerAccumulator::use_kept_keys(const std::vector<std::shared_ptr<const KeyIndex>>& kept) {
  if (kept.size() != sets_.size()) throw InputError("use_kept_keys needs one entry per label set");
  for (std::size_t s = 0; s < sets_.size(); ++s) {
    if (sets_[s].keys.size() > 0 || sets_[s].folded_rows > 0 || !sets_[s].counts.empty())
      throw InputError("use_kept_keys must be called before the first batch");
    if (kept[s] && kept[s]->key_width() != specs_[s].key_width)
      throw InputError("kept keys of '" + specs_[s].name + "' have the wrong width");
    sets_[s].kept = kept[s];
    if (kept[s]) sets_[s].counts.assign(static_cast<std::size_t>(kept[s]->size()), 0);
  }
}

const MultiLayerAccumulator::SetIndex& MultiLayerAccumulator::index_of(int64_t set) const {
  return sets_.at(static_cast<std::size_t>(set));
}

void MultiLayerAccumulator::route_rows(std::size_t s, const std::vector<at::Tensor>& keys, const std::vector<at::Tensor>& masks,
                                       int64_t n_rows, Routing& routing) {
  SetIndex& set = sets_[s];
  Routing::Set& route = routing.sets[s];
  std::vector<int64_t> table_row_of(static_cast<std::size_t>(n_rows));
  const int64_t* all = keys[s].data_ptr<int64_t>();
  const int64_t width = specs_[s].key_width;
  const bool* mask = masks[s].defined() ? masks[s].data_ptr<bool>() : nullptr;
  const KeyIndex& index = set.kept ? *set.kept : set.keys;
  index.for_each_hashed(all, n_rows, [&](int64_t i, uint64_t key_hash) {
    const int64_t* key = all + i * width;
    int64_t row = -1;
    if (!mask || mask[i]) {
      if (set.kept) {
        row = set.kept->find(key, key_hash);
      } else {
        row = set.keys.find_or_insert(key, key_hash);
        if (row == static_cast<int64_t>(set.counts.size())) set.counts.push_back(0);
      }
      if (row >= 0) {
        ++set.counts[static_cast<std::size_t>(row)];
      } else {
        ++set.folded_rows;
        route.folded.push_back(i);
      }
    } else {
      route.unlabelled.push_back(i);
    }
    table_row_of[static_cast<std::size_t>(i)] = row;
  });
  group_by_table_row(table_row_of, static_cast<int64_t>(set.counts.size()), route.order, route.targets, route.ends);
  route.table_rows = static_cast<int64_t>(set.counts.size());
}

void MultiLayerAccumulator::set_labels(const std::vector<at::Tensor>& labels, const std::vector<at::Tensor>& valid) {
  const auto keys = detail::checked_labels(specs_, labels);
  const int64_t n_rows = keys.empty() ? (valid.empty() || !valid[0].defined() ? 0 : valid[0].size(0)) : keys[0].size(0);
  const auto masks = detail::checked_masks(specs_, valid, n_rows);
  auto routing = std::make_shared<Routing>();
  routing->n_rows = keys.empty() ? -1 : n_rows;
  routing->sets.resize(sets_.size());
  routing->folded.assign(static_cast<std::size_t>(n_rows), 0);
  // Each set looks up its keys in its own index: the sets in parallel.
  detail::for_each_taken(true, detail::widest_keys_first(specs_),
                         [&](int64_t s) { route_rows(static_cast<std::size_t>(s), keys, masks, n_rows, *routing); });
  for (const auto& route : routing->sets)
    for (const int64_t i : route.folded) routing->folded[static_cast<std::size_t>(i)] = 1;
  // Cost of a set's pass: rows to add into tables, groups, and rows to add or subtract.
  const auto cost = [&](int64_t s) {
    const Routing::Set& route = routing->sets[static_cast<std::size_t>(s)];
    return route.order.size() + route.targets.size() + std::min(route.folded.size(), route.unlabelled.size());
  };
  routing->sets_by_cost.resize(sets_.size());
  for (std::size_t s = 0; s < sets_.size(); ++s) routing->sets_by_cost[s] = static_cast<int64_t>(s);
  std::stable_sort(routing->sets_by_cost.begin(), routing->sets_by_cost.end(),
                   [&](int64_t a, int64_t b) { return cost(a) > cost(b); });
  routing_ = std::move(routing);
}

void MultiLayerAccumulator::scatter(Layer& layer, const at::Tensor& p, const Routing* routing, Parts parts, bool threaded,
                                    const std::string& where) {
  const int64_t n = n_bins_, n_rows = p.size(0);
  std::lock_guard lock(layer.busy);
  if (parts != Parts::tables && layer.n_rows + n_rows > max_rows_)
    throw InputError("more rows (" + std::to_string(layer.n_rows + n_rows) + ") than the " + std::to_string(max_rows_) +
                     " this accumulator was sized for");
  const bool tables = parts != Parts::marginal && routing && !sets_.empty();
  const int64_t n_sets = tables ? static_cast<int64_t>(sets_.size()) : 0;
  constexpr int64_t kBlockRows = 64;
  const int64_t n_blocks = (n_rows + kBlockRows - 1) / kBlockRows;
  std::vector<int64_t> block_sums(static_cast<std::size_t>(n_blocks * n), 0);
  std::vector<ExactSum> entropies(tables ? static_cast<std::size_t>(n_rows) : 0);
  std::vector<std::vector<int64_t>> not_folded(static_cast<std::size_t>(n_sets));
  std::atomic<bool> in_range = true;
  const detail::FixedPointRows rows(p, bits_);

  // A block of rows: their sum in fixed point, and the entropy of each row folded in some label
  // set (computed once however many sets fold it, and rounded once for all their exact sums).
  const auto block_pass = [&](int64_t block) {
    const int64_t begin = block * kBlockRows, end = std::min(begin + kBlockRows, n_rows);
    thread_local std::vector<int64_t> quantized;  // one block, kept in cache
    quantized.resize(static_cast<std::size_t>(kBlockRows * n));
    int64_t* q = quantized.data();
    if (!detail::quantize_rows(p, bits_, begin, end, q, block_sums.data() + block * n)) {
      in_range.store(false, std::memory_order_relaxed);
      return;
    }
    for (int64_t i = begin; tables && i < end; ++i)
      if (routing->folded[static_cast<std::size_t>(i)])
        entropies[static_cast<std::size_t>(i)] = ExactSum::of_term(detail::fixed_point_entropy(q + (i - begin) * n, n));
  };
  // A label set's rows into its table (the set pass rounds the rows to fixed point again where it
  // adds them). Most rows of the long n-grams are folded: then the folded part is the batch less
  // the rows in the table and the unlabelled ones (after all blocks are summed), and folded rows
  // are never read. Where more rows are unlabelled than folded (a team member's share of a unit),
  // the folded rows are added.
  const auto set_pass = [&](int64_t s) {
    SetTable& set = layer.sets[static_cast<std::size_t>(s)];
    const Routing::Set& route = routing->sets[static_cast<std::size_t>(s)];
    const std::size_t needed = static_cast<std::size_t>(route.table_rows * n);
    if (set.table.size() < needed) set.table.resize(needed, 0);
    std::vector<int64_t>& unfolded = not_folded[static_cast<std::size_t>(s)];
    if (route.folded.size() > route.unlabelled.size()) unfolded.assign(static_cast<std::size_t>(n), 0);
    detail::add_row_groups(rows, route.order, route.targets, route.ends, set.table.data(),
                           unfolded.empty() ? nullptr : unfolded.data());
    if (unfolded.empty()) detail::add_listed_rows(rows, route.folded, set.folded_bins.data());
    else detail::add_listed_rows(rows, route.unlabelled, unfolded.data());
  };
  // One pool of work for both, the sets (costliest first) before the blocks, so that the many
  // small blocks even out the sets' unequal costs.
  std::vector<int64_t> work(static_cast<std::size_t>(n_sets + n_blocks));
  for (int64_t k = 0; k < n_sets + n_blocks; ++k) work[static_cast<std::size_t>(k)] = k;
  detail::for_each_taken(threaded, work, [&](int64_t k) {
    if (k < n_sets) set_pass(routing->sets_by_cost[static_cast<std::size_t>(k)]);
    else block_pass(k - n_sets);
  });
  // The tables may hold a part of this batch now: the caller discards the accumulator.
  if (!in_range) throw InputError(where + ": soft assignments outside [0, 1] (the hidden states hold NaN or infinite values)");

  // Integer sums: the same whatever the blocks and their order.
  std::vector<int64_t> batch_sum(static_cast<std::size_t>(n), 0);
  for (int64_t block = 0; block < n_blocks; ++block) detail::add_row(batch_sum.data(), block_sums.data() + block * n, n);
  if (parts != Parts::tables) {
    layer.n_rows += n_rows;
    detail::add_row(layer.bins.data(), batch_sum.data(), n);
  }
  for (int64_t s = 0; s < n_sets; ++s) {
    SetTable& set = layer.sets[static_cast<std::size_t>(s)];
    const Routing::Set& route = routing->sets[static_cast<std::size_t>(s)];
    for (const int64_t i : route.folded) set.folded_conditional.add(entropies[static_cast<std::size_t>(i)]);
    const std::vector<int64_t>& unfolded = not_folded[static_cast<std::size_t>(s)];
    for (std::size_t j = 0; j < unfolded.size(); ++j) set.folded_bins[j] += batch_sum[j] - unfolded[j];
  }
}

void MultiLayerAccumulator::add_layer(int64_t slot, const at::Tensor& p, Parts parts, const std::string& where) {
  if (slot < 0 || slot >= static_cast<int64_t>(layers_.size()))
    throw InputError("layer slot " + std::to_string(slot) + " is outside [0, " + std::to_string(layers_.size()) + ")");
  if (p.dim() != 2 || p.size(1) != n_bins_) throw InputError("assignments must have shape [N, " + std::to_string(n_bins_) + "]");
  std::shared_ptr<const Routing> routing = parts == Parts::marginal ? nullptr : routing_;
  if (parts != Parts::marginal && !specs_.empty() && (!routing || p.size(0) != routing->n_rows))
    throw InputError("assignments have " + std::to_string(p.size(0)) + " rows but the labels of this batch have " +
                     std::to_string(routing ? routing->n_rows : 0));
  at::Tensor host = p.to(at::kCPU);
  if (host.scalar_type() != at::kFloat && host.scalar_type() != at::kDouble) host = host.to(at::kFloat);
  host = host.contiguous();
  Layer* layer = layers_[static_cast<std::size_t>(slot)].get();
  const std::string context = where.empty() ? "layer " + std::to_string(layer_ids_[static_cast<std::size_t>(slot)]) : where;
  const bool threaded = workers_ == nullptr;
  auto task = [this, layer, host, routing, parts, context, threaded] {
    scatter(*layer, host, routing.get(), parts, threaded, context);
  };
  if (workers_) {
    scatters_pending_ = true;
    workers_->submit(std::move(task));
  } else {
    task();
  }
}

void MultiLayerAccumulator::finish() {
  if (workers_ && scatters_pending_) workers_->wait();
  scatters_pending_ = false;
}

void MultiLayerAccumulator::merge(MultiLayerAccumulator& other) {
  finish();
  other.finish();
  if (other.n_bins_ != n_bins_ || other.bits_ != bits_ || other.layer_ids_ != layer_ids_ || other.specs_.size() != specs_.size())
    throw InputError("cannot merge accumulators of different shapes (bins, scale, layers or label sets)");
  for (std::size_t s = 0; s < specs_.size(); ++s)
    if (other.specs_[s].name != specs_[s].name || other.specs_[s].key_width != specs_[s].key_width)
      throw InputError("cannot merge label set '" + other.specs_[s].name + "' into '" + specs_[s].name + "'");
  const int64_t n = n_bins_;
  for (std::size_t s = 0; s < sets_.size(); ++s) {
    SetIndex& mine = sets_[s];
    const SetIndex& theirs = other.sets_[s];
    if (mine.kept || theirs.kept) {
      if (mine.kept != theirs.kept) throw InputError("cannot merge accumulators with different kept keys");
      for (std::size_t r = 0; r < mine.counts.size(); ++r) mine.counts[r] += theirs.counts[r];
    }
    std::vector<int64_t> target(theirs.counts.size());
    for (std::size_t r = 0; r < target.size(); ++r) {
      if (mine.kept) {
        target[r] = static_cast<int64_t>(r);
        continue;
      }
      target[r] = mine.keys.find_or_insert(theirs.keys.key(static_cast<int64_t>(r)).data());
      if (target[r] == static_cast<int64_t>(mine.counts.size())) mine.counts.push_back(0);
      mine.counts[static_cast<std::size_t>(target[r])] += theirs.counts[r];
    }
    mine.folded_rows += theirs.folded_rows;
    for (std::size_t l = 0; l < layers_.size(); ++l) {
      SetTable& into = layers_[l]->sets[s];
      const SetTable& from = other.layers_[l]->sets[s];
      into.table.resize(mine.counts.size() * static_cast<std::size_t>(n), 0);
      for (std::size_t r = 0; r < target.size() && (r + 1) * static_cast<std::size_t>(n) <= from.table.size(); ++r)
        detail::add_row(into.table.data() + target[r] * n, from.table.data() + static_cast<int64_t>(r) * n, n);
      detail::add_row(into.folded_bins.data(), from.folded_bins.data(), n);
      into.folded_conditional.add(from.folded_conditional);
    }
  }
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    layers_[l]->n_rows += other.layers_[l]->n_rows;
    detail::add_row(layers_[l]->bins.data(), other.layers_[l]->bins.data(), n);
  }
}

LayerStatistics MultiLayerAccumulator::statistics(int64_t slot) const {
  const Layer& layer = *layers_.at(static_cast<std::size_t>(slot));
  const int64_t n = n_bins_;
  LayerStatistics out;
  out.layer = layer_ids_[static_cast<std::size_t>(slot)];
  out.n_bins = n;
  out.fixed_point_bits = bits_;
  out.n_rows = layer.n_rows;
  out.bins = layer.bins;
  for (std::size_t s = 0; s < sets_.size(); ++s) {
    const SetIndex& index = sets_[s];
    const SetTable& table = layer.sets[s];
    LabelSetStatistics set;
    set.name = specs_[s].name;
    set.key_width = specs_[s].key_width;
    set.folded_rows = index.folded_rows;
    set.labelled_rows = index.folded_rows;
    set.marginal = table.folded_bins;
    set.conditional = table.folded_conditional;
    for (std::size_t r = 0; r < index.counts.size(); ++r) {
      const int64_t count = index.counts[r];
      if (count == 0) continue;  // a kept key of another owner, or not seen in these rows
      const int64_t* row = table.table.data() + static_cast<int64_t>(r) * n;
      ++set.distinct_keys;
      set.labelled_rows += count;
      detail::add_row(set.marginal.data(), row, n);
      set.conditional.add(static_cast<double>(count) * detail::fixed_point_entropy(row, n));
    }
    out.label_sets.push_back(std::move(set));
  }
  return out;
}

LabelTable MultiLayerAccumulator::table(int64_t slot, int64_t set) const {
  const SetIndex& index = index_of(set);
  const SetTable& table = layers_.at(static_cast<std::size_t>(slot))->sets.at(static_cast<std::size_t>(set));
  const int64_t n = n_bins_;
  const int64_t w = specs_[static_cast<std::size_t>(set)].key_width;
  LabelTable out;
  out.name = specs_[static_cast<std::size_t>(set)].name;
  out.key_width = w;
  out.folded_rows = index.folded_rows;
  const KeyIndex& keys = index.kept ? *index.kept : index.keys;
  for (std::size_t r = 0; r < index.counts.size(); ++r) {
    if (index.counts[r] == 0) continue;
    const auto key = keys.key(static_cast<int64_t>(r));
    out.keys.insert(out.keys.end(), key.begin(), key.end());
    out.counts.push_back(index.counts[r]);
    const auto begin = table.table.begin() + static_cast<int64_t>(r) * n;
    if (static_cast<int64_t>(table.table.size()) >= (static_cast<int64_t>(r) + 1) * n)
      out.bins.insert(out.bins.end(), begin, begin + n);
    else out.bins.insert(out.bins.end(), static_cast<std::size_t>(n), 0);
  }
  (void)w;
  return out;
}

int64_t MultiLayerAccumulator::table_bytes() const {
  int64_t bytes = 0;
  for (const auto& set : sets_) bytes += set.keys.memory_bytes() + static_cast<int64_t>(set.counts.capacity() * sizeof(int64_t));
  for (const auto& layer : layers_)
    for (const auto& set : layer->sets) bytes += static_cast<int64_t>(set.table.capacity() * sizeof(int64_t));
  return bytes;
}

Accumulator::Accumulator(int64_t n_bins, std::vector<LabelSetSpec> label_sets, int64_t max_rows)
    : inner_(n_bins, {0}, std::move(label_sets), max_rows) {}

void Accumulator::add(const at::Tensor& p, const std::vector<at::Tensor>& labels, const std::vector<at::Tensor>& valid) {
  inner_.set_labels(labels, valid);
  inner_.add_layer(0, p);
}

LabelTable Accumulator::table(const std::string& label_set) const {
  const auto& specs = inner_.label_sets();
  for (std::size_t s = 0; s < specs.size(); ++s)
    if (specs[s].name == label_set) return inner_.table(0, static_cast<int64_t>(s));
  throw InputError("no label set '" + label_set + "'");
}

}  // namespace infobound::estimate
