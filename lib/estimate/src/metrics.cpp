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

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double mutual_information(const LayerStatistics& layer, const LabelSetStatistics& set, double h_layer) {
  if (set.labelled_rows == 0) return kNaN;
  const double conditional = set.conditional.value();
  if (set.labelled_rows == layer.n_rows) return h_layer - conditional / static_cast<double>(layer.n_rows);
  // A set that labels a subset of the rows: H(Z) of that subset, from its own soft counts.
  return normalised_entropy(set.marginal) - conditional / static_cast<double>(set.labelled_rows);
}

}  // namespace

Metrics compute_metrics(const LayerStatistics& layer) {
  if (static_cast<int64_t>(layer.bins.size()) != layer.n_bins)
    throw InputError("layer " + std::to_string(layer.layer) + ": bins have the wrong size");
  if (layer.n_rows <= 0) throw InputError("layer " + std::to_string(layer.layer) + ": no rows to estimate from");
  Metrics metrics;
  metrics.n_rows = layer.n_rows;
  metrics.H = normalised_entropy(layer.bins);
  for (const auto& set : layer.label_sets) {
    if (set.labelled_rows > layer.n_rows || static_cast<int64_t>(set.marginal.size()) != layer.n_bins)
      throw InputError("layer " + std::to_string(layer.layer) + ", label set '" + set.name + "': inconsistent statistics");
    const double mi = mutual_information(layer, set, metrics.H);
    metrics.mi[set.name] = mi;
    metrics.labelled_rows[set.name] = set.labelled_rows;
    metrics.regularity[set.name] = metrics.H > 0.0 ? mi / metrics.H : kNaN;
  }
  return metrics;
}

double optimality(double expressivity, double complexity) { return complexity > 0.0 ? expressivity / complexity : kNaN; }

ConditionalEntropies conditional_entropies(const LabelTable& table, int64_t n_bins) {
  const int64_t w = table.key_width;
  std::vector<int64_t> rows(table.counts.size());
  std::iota(rows.begin(), rows.end(), 0);
  std::sort(rows.begin(), rows.end(), [&](int64_t a, int64_t b) {
    return std::lexicographical_compare(table.keys.begin() + a * w, table.keys.begin() + (a + 1) * w, table.keys.begin() + b * w,
                                        table.keys.begin() + (b + 1) * w);
  });
  ConditionalEntropies out;
  for (const int64_t row : rows) {
    out.keys.insert(out.keys.end(), table.keys.begin() + row * w, table.keys.begin() + (row + 1) * w);
    out.counts.push_back(table.counts[static_cast<std::size_t>(row)]);
    out.values.push_back(
        normalised_entropy(std::span<const int64_t>(table.bins.data() + row * n_bins, static_cast<std::size_t>(n_bins))));
  }
  return out;
}

}  // namespace infobound::estimate
