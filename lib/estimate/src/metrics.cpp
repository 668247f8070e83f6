#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <span>

#include "infobound/core/error.hpp"
#include "infobound/estimate/accumulator.hpp"
#include "infobound/estimate/entropy.hpp"

namespace infobound::estimate {
namespace {

// Table rows in lexicographic key order, so that sums do not depend on insertion order.
std::vector<int64_t> sorted_rows(const LabelTableState& table) {
  std::vector<int64_t> rows(table.counts.size());
  std::iota(rows.begin(), rows.end(), 0);
  const int64_t w = table.key_width;
  std::sort(rows.begin(), rows.end(), [&](int64_t a, int64_t b) {
    return std::lexicographical_compare(table.keys.begin() + a * w, table.keys.begin() + (a + 1) * w,
                                        table.keys.begin() + b * w, table.keys.begin() + (b + 1) * w);
  });
  return rows;
}

std::span<const double> row_bins(const LabelTableState& table, int64_t row, int64_t n_bins) {
  return {table.bins.data() + row * n_bins, static_cast<size_t>(n_bins)};
}

double mutual_information(const LayerState& state, const LabelTableState& table, double h_layer) {
  const int64_t n = state.n_bins;
  const std::vector<int64_t> rows = sorted_rows(table);
  int64_t labelled = table.folded_rows;
  for (int64_t count : table.counts) labelled += count;
  if (labelled == 0) return std::numeric_limits<double>::quiet_NaN();

  double conditional = 0.0;  // sum_x n_x H(Z | X = x), exact integer weights as soft_h
  for (int64_t row : rows)
    conditional += static_cast<double>(table.counts[row]) * normalised_entropy(row_bins(table, row, n));
  conditional += table.folded_entropy_sum;

  if (labelled == state.n_rows) return h_layer - conditional / static_cast<double>(state.n_rows);
  // A set that labels a subset of the rows: H(Z) of that subset, from its own soft counts.
  std::vector<double> marginal(table.folded_bins);
  for (int64_t row : rows)
    for (int64_t j = 0; j < n; ++j) marginal[j] += table.bins[row * n + j];
  return normalised_entropy(marginal) - conditional / static_cast<double>(labelled);
}

}  // namespace

Metrics compute_metrics(const LayerState& state) {
  if (static_cast<int64_t>(state.bins.size()) != state.n_bins) throw InputError("layer bins have the wrong size");
  Metrics metrics;
  metrics.n_rows = state.n_rows;
  metrics.H = normalised_entropy(state.bins);
  for (const auto& table : state.label_sets) {
    const double mi = mutual_information(state, table, metrics.H);
    metrics.mi[table.name] = mi;
    int64_t labelled = table.folded_rows;
    for (int64_t count : table.counts) labelled += count;
    metrics.labelled_rows[table.name] = labelled;
    metrics.regularity[table.name] = metrics.H > 0.0 ? mi / metrics.H : std::numeric_limits<double>::quiet_NaN();
  }
  return metrics;
}

double optimality(double expressivity, double complexity) {
  return complexity > 0.0 ? expressivity / complexity : std::numeric_limits<double>::quiet_NaN();
}

ConditionalEntropies conditional_entropies(const LayerState& state, const std::string& label_set) {
  const auto it = std::find_if(state.label_sets.begin(), state.label_sets.end(),
                               [&](const auto& t) { return t.name == label_set; });
  if (it == state.label_sets.end()) throw InputError("no label set '" + label_set + "'");
  ConditionalEntropies out;
  for (int64_t row : sorted_rows(*it)) {
    out.keys.insert(out.keys.end(), it->keys.begin() + row * it->key_width, it->keys.begin() + (row + 1) * it->key_width);
    out.counts.push_back(it->counts[row]);
    out.values.push_back(normalised_entropy(row_bins(*it, row, state.n_bins)));
  }
  return out;
}

}  // namespace infobound::estimate
