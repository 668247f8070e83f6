#pragma once
// `infobound bound`: the IB curve of every token cache of a run, per order, written to
// RUN/bound.csv (+ RUN/bound.json with the settings). metrics.csv is not rewritten: the metrics
// view (read_metrics_view) joins the two for report and regress.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <vector>

#include "infobound/bound/bound_table.hpp"
#include "infobound/bound/information_bottleneck.hpp"

namespace infobound::bound {

struct BoundRunOptions {
  std::filesystem::path run_dir;
  std::vector<int64_t> orders;    // empty: 1..max_order of the cache (the run's largest order)
  std::optional<int64_t> n_bins;  // default: the n_bins of metrics.csv (must be unique there)
  // 0 = keep every context. A cap merges the rare contexts into one, which lowers I(X;Y) and the
  // curve; run_bound measures by how much I(X;Y) drops (OrderCurve::i_xy_uncapped).
  int64_t context_cap = 0;
  IbOptions ib;  // n_clusters is set to n_bins
};

struct BoundRunResult {
  std::vector<OrderCurve> curves;
  // What the metrics view fills from these curves; metrics_present is false without metrics.csv.
  BoundColumnsSummary metrics;
  bool metrics_present = false;
};

BoundRunResult run_bound(const BoundRunOptions& options);

}  // namespace infobound::bound
