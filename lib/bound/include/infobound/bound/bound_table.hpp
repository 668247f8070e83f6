#pragma once
// RUN/bound.csv (docs/interfaces.md), and the metrics view: RUN/metrics.csv joined with the bound
// columns computed from bound.csv. Neither file is rewritten by the other's command, so rerunning
// `reduce` never drops the bound and `bound` never touches reduce's output.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "infobound/bound/information_bottleneck.hpp"
#include "infobound/io/csv_table.hpp"
#include "infobound/io/metrics_table.hpp"

namespace infobound::bound {

struct OrderCurve {
  std::string tokenizer_id;
  int64_t order = 1;
  int64_t n_bins = 0;           // |T|; normalisation by ln n_bins
  std::vector<IbPoint> points;  // nats
  double h_x = 0, h_y = 0, i_xy = 0;
  int64_t n_contexts = 0;    // distinct contexts before the cap
  int64_t context_cap = 0;   // 0 = no cap
  double i_xy_uncapped = 0;  // I(X;Y) of every context (equals i_xy when nothing was merged)

  // The curve in units of ln n_bins (the unit of metrics.csv).
  std::vector<IbPoint> normalised_points() const;
};

inline const std::vector<std::string>& bound_csv_columns() {
  static const std::vector<std::string> columns{"tokenizer_id", "order", "point", "beta", "I_XT",       "I_TY",       "I_XT_norm",
                                                "I_TY_norm",    "H_X",   "H_Y",   "I_XY", "n_contexts", "context_cap"};
  return columns;
}

void write_bound_csv(const std::filesystem::path& path, const std::vector<OrderCurve>& curves);
// Throws InputError naming the file and line for a missing column or a malformed value.
std::vector<OrderCurve> read_bound_csv(const std::filesystem::path& path);

struct BoundColumnsSummary {
  int64_t rows_filled = 0;                      // rows with at least one gap
  std::vector<std::string> tokenizers_missing;  // tokenizer ids of metrics rows with no curve
};

// Adds (or overwrites) bound_gap_k and bound_ratio_k, k = 1..metrics.max_order(): the curve of
// the row's tokenizer and order, evaluated at complexity_k (DESIGN.md 6). Cells stay empty where
// the row has no complexity/expressivity, no curve exists, or (ratio) the curve is 0.
BoundColumnsSummary add_bound_columns(io::MetricsTable& metrics, const std::vector<OrderCurve>& curves);

// RUN/metrics.csv with the bound columns of RUN/bound.csv when it exists (what report and regress
// read). `curves`, when given, receives bound.csv's curves (empty without it), so a reader that
// also draws them does not read the file again.
io::MetricsTable read_metrics_view(const std::filesystem::path& run_dir, std::vector<OrderCurve>* curves = nullptr);

}  // namespace infobound::bound
