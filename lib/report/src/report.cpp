#include "infobound/report/report.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <fstream>
#include <set>

#include "figures.hpp"
#include "infobound/core/atomic_file.hpp"
#include "infobound/core/error.hpp"
#include "infobound/core/log.hpp"
#include "infobound/core/plan.hpp"
#include "infobound/report/document.hpp"
#include "run_metrics.hpp"

namespace infobound::report {
namespace {

void write_text(const std::filesystem::path& path, const std::string& text) { write_file_atomically(path, text); }

std::string today() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%d %H:%M UTC", std::gmtime(&now));
  return buffer;
}

class ReportBuilder {
 public:
  ReportBuilder(const ReportOptions& options) : options_(options), figures_dir_(options.run_dir / "figures") {}

  void add(Document& doc, const std::optional<BuiltFigure>& built) {
    if (!built) return;
    render_figure(figures_dir_, built->figure, options_.gnuplot);
    result.figures.push_back(built->figure.name);
    doc.figure("figures/" + built->figure.name, built->caption);
    // A reading may hold several paragraphs, separated by a blank line.
    for (std::size_t start = 0; start < built->reading.size();) {
      const auto end = built->reading.find("\n\n", start);
      doc.paragraph(built->reading.substr(start, end == std::string::npos ? std::string::npos : end - start));
      if (end == std::string::npos) break;
      start = end + 2;
    }
  }
  void omit(Document& doc, const std::string& why) {
    doc.note(why);
    result.notes.push_back(why);
  }

  ReportResult result;

 private:
  const ReportOptions& options_;
  std::filesystem::path figures_dir_;
};

Table bound_summary_table(const std::vector<bound::OrderCurve>& curves) {
  Table t{{"tokenizer", "order k", "contexts", "context cap", "H(X) nats", "H(Y) nats", "I(X;Y) nats", "max I(T;Y) nats",
           "max I(T;Y) / ln n_bins", "curve points"},
          {},
          {false, true, true, true, true, true, true, true, true, true}};
  for (const auto& c : curves) {
    const auto norm = c.normalised_points();
    t.rows.push_back({c.tokenizer_id, std::to_string(c.order), std::to_string(c.n_contexts),
                      c.context_cap ? std::to_string(c.context_cap) : "none", format_value(c.h_x, 4), format_value(c.h_y, 4),
                      format_value(c.i_xy, 4), format_value(c.points.back().i_ty, 4), format_value(norm.back().i_ty, 4),
                      std::to_string(c.points.size())});
  }
  return t;
}

// Per model (final checkpoint): the layer nearest the bound for each order.
Table bound_gap_table(const std::vector<Trajectory>& trajectories, int64_t max_order) {
  Table t{{"model", "checkpoint"}, {}, {false, false}};
  for (int64_t k = 1; k <= max_order; ++k) {
    t.header.push_back("order " + std::to_string(k) + ": layer, gap, ratio");
    t.numeric.push_back(true);
  }
  for (const auto& tr : trajectories) {
    if (!tr.final_checkpoint) continue;
    std::vector<std::string> row{tr.model, tr.checkpoint.empty() ? "final" : tr.checkpoint};
    bool any = false;
    for (int64_t k = 0; k < max_order; ++k) {
      const LayerValues* best = nullptr;
      for (const auto& l : tr.layers)
        if (std::isfinite(l.gap[k]) && (!best || l.gap[k] < best->gap[k])) best = &l;
      row.push_back(best ? std::to_string(best->layer) + ", " + format_value(best->gap[k]) + ", " + format_value(best->ratio[k])
                         : "");
      any = any || best;
    }
    if (any) t.rows.push_back(row);
  }
  return t;
}

Table csv_as_table(const io::CsvTable& csv, const std::vector<std::string>& columns) {
  Table t;
  std::vector<std::size_t> index;
  for (const auto& c : columns)
    if (const auto i = csv.find_column(c)) {
      index.push_back(*i);
      t.header.push_back(c);
      t.numeric.push_back(c != "benchmark" && c != "term" && c != "skipped" && c != "metric");
    }
  for (std::size_t r = 0; r < csv.num_rows(); ++r) {
    std::vector<std::string> row;
    for (std::size_t c = 0; c < index.size(); ++c) {
      const std::string& cell = csv.cell(r, index[c]);
      double v = 0;
      const bool number = t.numeric[c] && !cell.empty() && std::sscanf(cell.c_str(), "%lf", &v) == 1;
      row.push_back(number ? format_value(v, 4) : cell);
    }
    t.rows.push_back(row);
  }
  return t;
}

void regression_section(Document& doc, ReportBuilder& builder, const std::filesystem::path& dir) {
  doc.heading("Benchmarks against the information measures");
  const auto summary_path = dir / "summary.csv";
  if (!std::filesystem::exists(summary_path)) {
    builder.omit(doc, "No regression tables (" + summary_path.string() +
                          " is missing): run `infobound regress --run RUN --benchmarks FILE` to add this section.");
    return;
  }
  const auto summary = io::CsvTable::read(summary_path);
  doc.paragraph(
      "One ordinary least squares regression per benchmark of the score on the information measures, controlling for "
      "log10 parameters and log10 training tokens (regression/summary.md states the exact specification and the "
      "model matching). Each cell gives the coefficient and, in regression/<benchmark>.md, its standard error, t, p, "
      "partial correlation given scale and Spearman correlation. LOFO RMSE is the error predicting each family from "
      "the others; compare it with the controls-only column to see whether the measures help beyond scale.");
  std::vector<std::string> columns{"benchmark", "n", "r2", "adj_r2"};
  for (const auto& h : summary.header())
    if (h.size() > 9 && h.substr(h.size() - 9) == "_estimate") columns.push_back(h);
  columns.insert(columns.end(), {"lofo_rmse", "lofo_rmse_controls_only", "skipped"});
  doc.table(csv_as_table(summary, columns));
  for (std::size_t r = 0; r < summary.num_rows(); ++r) {
    const std::string benchmark = summary.cell(r, summary.column("benchmark"));
    if (!summary.cell(r, summary.column("skipped")).empty()) continue;
    std::string slug;
    for (const unsigned char c : benchmark) {
      if (std::isalnum(c)) slug.push_back(static_cast<char>(std::tolower(c)));
      else if (!slug.empty() && slug.back() != '_') slug.push_back('_');
    }
    while (!slug.empty() && slug.back() == '_') slug.pop_back();
    const auto terms_path = dir / (slug + ".csv"), points_path = dir / (slug + ".points.csv");
    if (!std::filesystem::exists(terms_path) || !std::filesystem::exists(points_path)) continue;
    const auto terms = io::CsvTable::read(terms_path);
    doc.heading(benchmark, 3);
    doc.table(
        csv_as_table(terms, {"term", "estimate", "std_error", "t", "p", "partial_r", "partial_p", "spearman_rho", "spearman_p"}));
    if (const std::string reading = regression_terms_reading(benchmark, terms); !reading.empty()) doc.paragraph(reading);
    builder.add(doc, regression_scatter(benchmark, slug, terms, io::CsvTable::read(points_path)));
  }
}

// Checkpoints recorded at plan time as holding identical weights (plan.json weights_digest).
void identical_checkpoints_section(Document& doc, ReportBuilder& builder, const std::filesystem::path& plan_path) {
  if (!std::filesystem::exists(plan_path)) return;
  std::vector<IdenticalCheckpoints> identical;
  try {
    identical = identical_checkpoints(read_plan(plan_path));
  } catch (const InputError& e) {
    builder.omit(doc, std::string("Identical checkpoints not checked: ") + e.what());
    return;
  }
  if (identical.empty()) return;
  doc.heading("Identical checkpoints");
  std::string text =
      "These checkpoints of one model hold identical weights (equal weights digests in plan.json), so their "
      "points coincide and each set counts once as evidence:";
  for (const auto& group : identical) text += " " + describe(group) + ".";
  doc.paragraph(text);
  log::warn("report: " + text);
}

}  // namespace

ReportResult write_report(const ReportOptions& options) {
  const auto metrics_path = options.run_dir / "metrics.csv";
  if (!std::filesystem::exists(metrics_path))
    throw InputError(metrics_path.string() +
                     ": not found; the report needs at least the per-layer metrics (run `infobound reduce`)");
  // metrics.csv joined with bound.csv (when `bound` has run): the bound_gap / bound_ratio columns.
  std::vector<bound::OrderCurve> curves;
  const io::MetricsTable view = bound::read_metrics_view(options.run_dir, &curves);
  const io::CsvTable& metrics = view.table();
  const int64_t max_order = view.max_order();
  const auto trajectories = read_trajectories(view);
  if (trajectories.empty()) throw InputError(metrics_path.string() + ": no rows");
  const bool have_bound = std::filesystem::exists(options.run_dir / "bound.csv");

  ReportBuilder builder(options);
  Document doc;
  std::set<std::string> models, families;
  for (const auto& t : trajectories) {
    models.insert(t.model);
    families.insert(t.family);
  }
  doc.heading("infobound report: " + options.run_dir.filename().string(), 1);
  // Written by `reduce --allow-incomplete` (pipeline::kIncompleteColumn): say so before anything else.
  if (metrics.find_column("incomplete_run"))
    doc.paragraph(
        "**Incomplete run**: some units had failed or were missing when `infobound reduce --allow-incomplete` wrote "
        "metrics.csv; their models and checkpoints are absent from every table and figure below (results.h5 units/missing "
        "lists the units; `infobound status --run RUN` says why).");
  doc.paragraph(
      "Run directory " + options.run_dir.string() + ", written " + today() + ". " + std::to_string(models.size()) +
      " models from " + std::to_string(families.size()) + " families, " + std::to_string(trajectories.size()) +
      " model checkpoints. All information values are divided by ln n_bins, so 1 is the most a representation "
      "quantised into n_bins soft bins can carry; complexity = I(input k-gram; Z), expressivity = I(output k-gram; Z).");

  identical_checkpoints_section(doc, builder, options.run_dir / "plan.json");

  doc.heading("Information plane");
  if (!have_bound)
    builder.omit(doc,
                 "No bound.csv: the information planes are drawn without the Information Bottleneck bound (run `infobound bound "
                 "--run RUN`).");
  for (int64_t k = 1; k <= max_order; ++k) builder.add(doc, information_plane(trajectories, curves, static_cast<int>(k)));

  if (have_bound) {
    doc.heading("Information Bottleneck bound of the corpus");
    doc.paragraph(
        "X is the k-gram ending at each position the estimator used and Y the next token; the curve is the upper "
        "concave envelope of iterative-IB solutions with |T| = n_bins clusters (bound.json records the annealing "
        "settings). When the distinct contexts exceed the context cap, the rarest are merged into one, which lowers "
        "I(X;Y) and the curve (by more the more contexts are merged); the bound is then conservative.");
    doc.table(bound_summary_table(curves));
    const Table gaps = bound_gap_table(trajectories, max_order);
    if (!gaps.rows.empty()) {
      doc.paragraph(
          "For the most-trained checkpoint of each model, the layer nearest the bound per order: bound gap = curve value "
          "at the layer's complexity minus its expressivity (ln n_bins units), ratio = expressivity / curve value.");
      doc.table(gaps);
    } else {
      builder.omit(doc, "No row of metrics.csv has a bound value: bound.csv has no curve for its tokenizers and orders.");
    }
  }

  doc.heading("Training dynamics");
  bool any_dynamics = false;
  for (const auto& family : families) {
    const auto built = training_dynamics(trajectories, family, static_cast<int>(options.order));
    any_dynamics = any_dynamics || built.has_value();
    builder.add(doc, built);
  }
  if (!any_dynamics)
    builder.omit(doc, "No family has two or more checkpoints with known training tokens: no training-dynamics figures.");

  doc.heading("Per-layer profiles");
  for (const auto& t : trajectories)
    if (t.final_checkpoint) builder.add(doc, layer_profile(t));

  regression_section(doc, builder, options.run_dir / "regression");

  builder.result.markdown = options.run_dir / "report.md";
  builder.result.html = options.run_dir / "report.html";
  write_text(builder.result.markdown, doc.markdown());
  write_text(builder.result.html, doc.html("infobound report: " + options.run_dir.filename().string()));
  for (const auto& note : builder.result.notes) log::info("report: " + note);
  return builder.result;
}

}  // namespace infobound::report
