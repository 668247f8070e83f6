#include "run_metrics.hpp"

#include <algorithm>
#include <map>

namespace infobound::report {
namespace {
double value(const io::CsvTable& t, std::size_t row, const std::string& column) {
  const auto c = t.find_column(column);
  if (!c) return kMissing;
  return t.number(row, *c).value_or(kMissing);
}
}  // namespace

std::string Trajectory::checkpoint_label() const {
  if (std::isfinite(step)) return "step " + std::to_string(std::llround(step));
  return checkpoint.empty() ? "final" : checkpoint;
}

double Trajectory::block_mean(double LayerValues::*field) const {
  double sum = 0;
  int n = 0;
  for (const auto& l : layers)
    if (l.layer >= 1 && l.layer <= n_layers && std::isfinite(l.*field)) {
      sum += l.*field;
      ++n;
    }
  return n ? sum / n : kMissing;
}

double Trajectory::block_mean(OrderValues LayerValues::*field, int order) const {
  double sum = 0;
  int n = 0;
  for (const auto& l : layers)
    if (l.layer >= 1 && l.layer <= n_layers && order >= 1 && order <= static_cast<int>((l.*field).size()) &&
        std::isfinite((l.*field)[order - 1])) {
      sum += (l.*field)[order - 1];
      ++n;
    }
  return n ? sum / n : kMissing;
}

std::vector<Trajectory> read_trajectories(const io::MetricsTable& view) {
  const io::CsvTable& metrics = view.table();
  const int64_t orders = std::max<int64_t>(4, view.max_order());
  const std::size_t model = metrics.column("model"), family = metrics.column("family"), checkpoint = metrics.column("checkpoint"),
                    layer = metrics.column("layer");
  const auto tokenizer = metrics.find_column("tokenizer_id");
  std::vector<Trajectory> out;
  std::map<std::pair<std::string, std::string>, std::size_t> index;
  for (std::size_t r = 0; r < metrics.num_rows(); ++r) {
    const auto key = std::make_pair(metrics.cell(r, model), metrics.cell(r, checkpoint));
    const auto [it, inserted] = index.try_emplace(key, out.size());
    if (inserted) {
      Trajectory t;
      t.model = key.first;
      t.checkpoint = key.second;
      t.family = metrics.cell(r, family);
      if (tokenizer) t.tokenizer = metrics.cell(r, *tokenizer);
      t.step = value(metrics, r, "step");
      t.tokens = value(metrics, r, "tokens_seen");
      t.params = value(metrics, r, "params");
      t.loss = value(metrics, r, "loss");
      t.n_bins = value(metrics, r, "n_bins");
      const double n_layers = value(metrics, r, "n_layers");
      t.n_layers = std::isfinite(n_layers) ? static_cast<int64_t>(std::llround(n_layers)) : 0;
      out.push_back(t);
    }
    LayerValues l;
    for (auto* values : {&l.complexity, &l.expressivity, &l.gap, &l.ratio}) values->assign(orders, kMissing);
    const auto layer_value = metrics.number(r, layer);
    if (!layer_value) continue;
    l.layer = static_cast<int64_t>(std::llround(*layer_value));
    l.H = value(metrics, r, "H");
    for (int64_t k = 1; k <= orders; ++k) {
      const std::string s = std::to_string(k);
      l.complexity[k - 1] = value(metrics, r, "complexity_" + s);
      l.expressivity[k - 1] = value(metrics, r, "expressivity_" + s);
      l.gap[k - 1] = value(metrics, r, "bound_gap_" + s);
      l.ratio[k - 1] = value(metrics, r, "bound_ratio_" + s);
    }
    out[it->second].layers.push_back(l);
  }
  std::map<std::string, std::size_t> most_trained;
  for (std::size_t i = 0; i < out.size(); ++i) {
    auto& t = out[i];
    std::sort(t.layers.begin(), t.layers.end(), [](const auto& a, const auto& b) { return a.layer < b.layer; });
    if (t.n_layers == 0 && !t.layers.empty()) t.n_layers = t.layers.back().layer;
    const auto [it, inserted] = most_trained.try_emplace(t.model, i);
    const auto& best = out[it->second];
    const bool final_name = t.checkpoint.empty() || t.checkpoint == "main" || t.checkpoint == "final";
    const bool best_final = best.checkpoint.empty() || best.checkpoint == "main" || best.checkpoint == "final";
    if (!inserted && !best_final && (final_name || (std::isfinite(t.tokens) && !(t.tokens <= best.tokens)))) it->second = i;
  }
  for (const auto& [m, i] : most_trained) out[i].final_checkpoint = true;
  return out;
}

}  // namespace infobound::report
