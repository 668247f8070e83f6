#include "infobound/bound/bound_table.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "infobound/core/error.hpp"

namespace infobound::bound {

std::vector<IbPoint> OrderCurve::normalised_points() const {
  const double unit = std::log(static_cast<double>(n_bins));
  std::vector<IbPoint> scaled = points;
  for (auto& p : scaled) {
    p.i_xt /= unit;
    p.i_ty /= unit;
  }
  return scaled;
}

void write_bound_csv(const std::filesystem::path& path, const std::vector<OrderCurve>& curves) {
  io::CsvTable table(bound_csv_columns());
  for (const auto& curve : curves) {
    if (curve.n_bins < 2) throw std::invalid_argument("write_bound_csv: n_bins < 2");
    const double unit = std::log(static_cast<double>(curve.n_bins));
    for (std::size_t i = 0; i < curve.points.size(); ++i) {
      const auto& p = curve.points[i];
      table.add_row({curve.tokenizer_id, std::to_string(curve.order), std::to_string(i), io::format_number(p.beta),
                     io::format_number(p.i_xt), io::format_number(p.i_ty), io::format_number(p.i_xt / unit),
                     io::format_number(p.i_ty / unit), io::format_number(curve.h_x), io::format_number(curve.h_y),
                     io::format_number(curve.i_xy), std::to_string(curve.n_contexts), std::to_string(curve.context_cap)});
    }
  }
  table.write(path);
}

std::vector<OrderCurve> read_bound_csv(const std::filesystem::path& path) {
  const auto table = io::CsvTable::read(path);
  std::vector<std::size_t> col;
  for (const auto& name : bound_csv_columns()) col.push_back(table.column(name));
  auto required = [&](std::size_t row, std::size_t c) {
    const auto value = table.number(row, col[c]);
    if (!value)
      throw InputError(path.string() + ":" + std::to_string(table.line_of(row)) + ": column '" + bound_csv_columns()[c] +
                       "' is empty");
    return *value;
  };
  std::vector<OrderCurve> curves;
  std::map<std::pair<std::string, int64_t>, std::size_t> index;
  for (std::size_t r = 0; r < table.num_rows(); ++r) {
    const std::string tokenizer = table.cell(r, col[0]);
    const auto order = static_cast<int64_t>(required(r, 1));
    auto [it, inserted] = index.try_emplace({tokenizer, order}, curves.size());
    if (inserted) {
      OrderCurve curve;
      curve.tokenizer_id = tokenizer;
      curve.order = order;
      curve.h_x = required(r, 8);
      curve.h_y = required(r, 9);
      curve.i_xy = required(r, 10);
      curve.n_contexts = static_cast<int64_t>(required(r, 11));
      curve.context_cap = static_cast<int64_t>(required(r, 12));
      // n_bins is not a column: recover it from a point with I_XT > 0 (I_XT / I_XT_norm = ln n_bins).
      curves.push_back(curve);
    }
    OrderCurve& curve = curves[it->second];
    const IbPoint point{required(r, 3), required(r, 4), required(r, 5)};
    const double xt_norm = required(r, 6);
    if (curve.n_bins == 0 && point.i_xt > 1e-6 && xt_norm > 0)
      curve.n_bins = static_cast<int64_t>(std::llround(std::exp(point.i_xt / xt_norm)));
    if (!curve.points.empty() && point.i_xt < curve.points.back().i_xt)
      throw InputError(path.string() + ":" + std::to_string(table.line_of(r)) + ": I_XT decreases within tokenizer '" +
                       tokenizer + "' order " + std::to_string(order) + " (rows must be in curve order)");
    curve.points.push_back(point);
  }
  for (auto& curve : curves)
    if (curve.n_bins == 0) curve.n_bins = 2;  // a curve that never leaves 0: the unit does not matter
  return curves;
}

BoundColumnsSummary add_bound_columns(io::MetricsTable& view, const std::vector<OrderCurve>& curves) {
  io::CsvTable& metrics = view.table();
  const int64_t max_order = view.max_order();
  std::map<std::pair<std::string, int64_t>, std::vector<IbPoint>> by_key;
  std::set<std::string> with_curve;
  for (const auto& curve : curves) {
    by_key[{curve.tokenizer_id, curve.order}] = curve.normalised_points();
    with_curve.insert(curve.tokenizer_id);
  }
  const std::size_t tokenizer_col = metrics.column("tokenizer_id");
  std::vector<std::size_t> gap_col, ratio_col;
  for (int64_t k = 1; k <= max_order; ++k) gap_col.push_back(metrics.ensure_column("bound_gap_" + std::to_string(k)));
  for (int64_t k = 1; k <= max_order; ++k) ratio_col.push_back(metrics.ensure_column("bound_ratio_" + std::to_string(k)));

  BoundColumnsSummary summary;
  std::set<std::string> missing;
  for (std::size_t r = 0; r < metrics.num_rows(); ++r) {
    bool filled = false;
    for (int64_t k = 1; k <= max_order; ++k) {
      metrics.set(r, gap_col[k - 1], "");
      metrics.set(r, ratio_col[k - 1], "");
      const auto complexity_col = metrics.find_column("complexity_" + std::to_string(k));
      const auto expressivity_col = metrics.find_column("expressivity_" + std::to_string(k));
      if (!complexity_col || !expressivity_col) continue;
      const auto complexity = metrics.number(r, *complexity_col);
      const auto expressivity = metrics.number(r, *expressivity_col);
      if (!complexity || !expressivity) continue;
      const auto it = by_key.find({metrics.cell(r, tokenizer_col), k});
      if (it == by_key.end()) {
        if (!with_curve.count(metrics.cell(r, tokenizer_col))) missing.insert(metrics.cell(r, tokenizer_col));
        continue;
      }
      const double on_curve = curve_value_at(it->second, *complexity);
      metrics.set(r, gap_col[k - 1], io::format_number(on_curve - *expressivity));
      if (on_curve > 0) metrics.set(r, ratio_col[k - 1], io::format_number(*expressivity / on_curve));
      filled = true;
    }
    if (filled) ++summary.rows_filled;
  }
  summary.tokenizers_missing.assign(missing.begin(), missing.end());
  return summary;
}

io::MetricsTable read_metrics_view(const std::filesystem::path& run_dir, std::vector<OrderCurve>* curves) {
  const auto metrics_path = run_dir / "metrics.csv";
  if (!std::filesystem::exists(metrics_path))
    throw InputError(metrics_path.string() + ": not found (run `infobound reduce` first)");
  io::MetricsTable view = io::MetricsTable::read(metrics_path);
  const auto bound_path = run_dir / "bound.csv";
  std::vector<OrderCurve> read;
  if (std::filesystem::exists(bound_path)) {
    read = read_bound_csv(bound_path);
    add_bound_columns(view, read);
  }
  if (curves) *curves = std::move(read);
  return view;
}

}  // namespace infobound::bound
