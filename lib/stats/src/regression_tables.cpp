// RUN/regression/ outputs of a RegressionStudy: CSV for programs, Markdown for people.
#include <cmath>
#include <cstdio>
#include <fstream>

#include "infobound/core/atomic_file.hpp"
#include "infobound/core/error.hpp"
#include "infobound/stats/regression_study.hpp"

namespace infobound::stats {
namespace {

std::string fixed(double v, int digits = 4) {
  if (!std::isfinite(v)) return "";
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*g", digits, v);
  return buffer;
}

std::string p_text(double p) {
  if (p < 1e-4) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.1e", p);
    return buffer;
  }
  return fixed(p, 3);
}

std::string md_escape(const std::string& s) {
  std::string out;
  for (const char c : s) {
    if (c == '|') out += "\\|";
    else out.push_back(c);
  }
  return out;
}

void write_text(const std::filesystem::path& path, const std::string& text) { write_file_atomically(path, text); }

std::string optional_number(const std::optional<double>& v) { return v ? io::format_number(*v) : ""; }

io::CsvTable benchmark_csv(const BenchmarkAnalysis& a, const RegressionStudy& study) {
  io::CsvTable table({"benchmark",
                      "metric",
                      "term",
                      "estimate",
                      "std_error",
                      "t",
                      "p",
                      "partial_r",
                      "partial_p",
                      "spearman_rho",
                      "spearman_p",
                      "n",
                      "df_residual",
                      "r2",
                      "adj_r2",
                      "lofo_rmse",
                      "lofo_rmse_controls_only",
                      "lofo_mae",
                      "layer",
                      "family_effects",
                      "skipped"});
  const std::string layer = study.options.layer.describe();
  const std::string fe = study.options.family_effects ? "yes" : "no";
  if (!a.fit) {
    table.add_row({a.benchmark,         a.metric, "", "", "", "", "", "",    "", "",       "",
                   std::to_string(a.n), "",       "", "", "", "", "", layer, fe, a.skipped});
    return table;
  }
  const OlsFit& fit = *a.fit;
  const bool lofo = a.lofo.n_predicted > 0;
  for (const auto& term : a.terms) {
    table.add_row({a.benchmark,
                   a.metric,
                   term.term,
                   io::format_number(term.estimate),
                   io::format_number(term.std_error),
                   io::format_number(term.t),
                   io::format_number(term.p),
                   term.partial ? io::format_number(term.partial->r) : "",
                   term.partial ? io::format_number(term.partial->p) : "",
                   term.spearman ? io::format_number(term.spearman->r) : "",
                   term.spearman ? io::format_number(term.spearman->p) : "",
                   std::to_string(fit.n_observations),
                   std::to_string(fit.df_residual),
                   io::format_number(fit.r_squared),
                   io::format_number(fit.adjusted_r_squared),
                   lofo ? io::format_number(a.lofo.rmse) : "",
                   lofo ? io::format_number(a.lofo.rmse_controls_only) : "",
                   lofo ? io::format_number(a.lofo.mae) : "",
                   layer,
                   fe,
                   ""});
  }
  return table;
}

std::string benchmark_markdown(const BenchmarkAnalysis& a, const RegressionStudy& study) {
  std::string md = "## " + md_escape(a.benchmark) + (a.metric.empty() ? "" : " (" + md_escape(a.metric) + ")") + "\n\n";
  if (!a.fit) {
    md += "Not estimated: " + md_escape(a.skipped) + " (" + std::to_string(a.n) + " models with a score and every predictor).\n";
    return md;
  }
  const OlsFit& fit = *a.fit;
  md += "OLS of the score on the predictors with controls";
  std::string families;
  for (const auto& f : a.families) families += (families.empty() ? "" : ", ") + f;
  md += (study.options.family_effects && a.families.size() > 1 ? " and family fixed effects" : "");
  md += "; n = " + std::to_string(fit.n_observations) + " models from " + std::to_string(a.families.size()) + " families (" +
        md_escape(families) + "); predictors taken at the " + study.options.layer.describe() + ".";
  if (!a.dropped_controls.empty()) {
    md += " Dropped control";
    for (const auto& c : a.dropped_controls) md += " " + c;
    md += " (constant across these models, absorbed by the intercept).";
  }
  md += "\n\n| term | estimate | std. error | t | p | partial r (given scale) | p | Spearman rho | p |\n";
  md += "|---|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  for (const auto& t : a.terms) {
    md += "| " + md_escape(t.term) + " | " + fixed(t.estimate) + " | " + fixed(t.std_error) + " | " + fixed(t.t, 3) + " | " +
          p_text(t.p) + " | " + (t.partial ? fixed(t.partial->r, 3) : "") + " | " + (t.partial ? p_text(t.partial->p) : "") +
          " | " + (t.spearman ? fixed(t.spearman->r, 3) : "") + " | " + (t.spearman ? p_text(t.spearman->p) : "") + " |\n";
  }
  md += "\nR² = " + fixed(fit.r_squared, 4) + ", adjusted R² = " + fixed(fit.adjusted_r_squared, 4) +
        ", residual df = " + std::to_string(fit.df_residual) + ".\n";
  if (a.lofo.n_predicted > 0) {
    md +=
        "\nLeave-one-family-out prediction (fit on the other families without family effects, predict the held-out one):"
        " RMSE " +
        fixed(a.lofo.rmse) + " with the predictors vs " + fixed(a.lofo.rmse_controls_only) +
        " with the scale controls only; MAE " + fixed(a.lofo.mae) + " over " + std::to_string(a.lofo.n_predicted) +
        " models.\n\n| held-out family | n | RMSE | RMSE (controls only) |\n|---|---:|---:|---:|\n";
    for (const auto& f : a.lofo.folds)
      md += "| " + md_escape(f.family) + " | " + std::to_string(f.n) + " | " + fixed(f.rmse) + " | " +
            fixed(f.rmse_controls_only) + " |\n";
  }
  for (const auto& note : a.lofo.notes) md += "\n- " + md_escape(note);
  if (!a.lofo.notes.empty()) md += "\n";
  return md;
}

void write_benchmark_files(const std::filesystem::path& directory, const BenchmarkAnalysis& a, const RegressionStudy& study) {
  benchmark_csv(a, study).write(directory / (a.slug + ".csv"));
  write_text(directory / (a.slug + ".md"),
             std::string("#").append(benchmark_markdown(a, study)));  // its "## " heading becomes the title
  io::CsvTable points({"model", "checkpoint", "family", "score", "fitted", "partial_x", "partial_y", "predictor"});
  for (const auto& p : a.points)
    points.add_row({p.model, p.checkpoint, p.family, io::format_number(p.score), io::format_number(p.fitted),
                    io::format_number(p.partial_x), io::format_number(p.partial_y), a.added_variable_predictor});
  points.write(directory / (a.slug + ".points.csv"));
}

io::CsvTable matches_csv(const RegressionStudy& study) {
  io::CsvTable matches({"benchmark_model", "benchmark_checkpoint", "source", "model", "checkpoint", "status", "rule"});
  for (const auto& m : study.matches)
    matches.add_row({m.benchmark_model, m.benchmark_checkpoint, m.source, m.model, m.checkpoint, m.status, m.rule});
  return matches;
}

io::CsvTable observations_csv(const RegressionStudy& study) {
  std::vector<std::string> header{"model", "checkpoint", "family", "params", "tokens_seen"};
  header.insert(header.end(), study.predictor_columns.begin(), study.predictor_columns.end());
  io::CsvTable observations(header);
  for (const auto& o : study.observations) {
    std::vector<std::string> row{o.model, o.checkpoint, o.family, optional_number(o.params), optional_number(o.tokens)};
    for (const auto& c : study.predictor_columns) {
      const auto v = o.values.find(c);
      row.push_back(v == o.values.end() ? "" : io::format_number(v->second));
    }
    observations.add_row(row);
  }
  return observations;
}

// summary.csv and the table of summary.md: one row per benchmark, built side by side.
struct Summary {
  io::CsvTable csv;
  std::string md;
};

Summary summary_tables(const RegressionStudy& study) {
  std::vector<std::string> summary_header{"benchmark", "metric", "n", "r2", "adj_r2"};
  for (const auto& c : study.predictor_columns) {
    summary_header.push_back(c + "_estimate");
    summary_header.push_back(c + "_p");
  }
  for (const char* c : {"lofo_rmse", "lofo_rmse_controls_only", "skipped"}) summary_header.push_back(c);
  Summary out{io::CsvTable(summary_header), "# Regression tables\n\nOne OLS per benchmark: score ~ "};
  std::string& md = out.md;
  for (std::size_t i = 0; i < study.predictor_columns.size(); ++i) md += (i ? " + " : "") + study.predictor_columns[i];
  md += " + log10(params) + log10(training tokens)" + std::string(study.options.family_effects ? " + family fixed effects" : "") +
        ". Predictors are taken at the " + study.options.layer.describe() + " of each model and checkpoint.\n\n";
  md += "| benchmark | n | R² | adj. R² |";
  for (const auto& c : study.predictor_columns) md += std::string(" ") + md_escape(c) + " (p) |";
  md += " LOFO RMSE | LOFO RMSE, controls only |\n|---|---:|---:|---:|";
  for (std::size_t i = 0; i < study.predictor_columns.size(); ++i) md += "---:|";
  md += "---:|---:|\n";
  for (const auto& a : study.analyses) {
    std::vector<std::string> row{a.benchmark, a.metric, std::to_string(a.n)};
    if (!a.fit) {
      row.insert(row.end(), summary_header.size() - 4, "");
      row.push_back(a.skipped);
      out.csv.add_row(row);
      md += "| " + md_escape(a.benchmark) + " | " + std::to_string(a.n) + " | not estimated: " + md_escape(a.skipped) + " |";
      for (std::size_t i = 0; i < study.predictor_columns.size() + 3; ++i) md += " |";
      md += "\n";
      continue;
    }
    row.push_back(io::format_number(a.fit->r_squared));
    row.push_back(io::format_number(a.fit->adjusted_r_squared));
    md += "| [" + md_escape(a.benchmark) + "](" + a.slug + ".md) | " + std::to_string(a.n) + " | " + fixed(a.fit->r_squared, 3) +
          " | " + fixed(a.fit->adjusted_r_squared, 3) + " |";
    for (const auto& c : study.predictor_columns) {
      for (const auto& t : a.terms)
        if (t.term == c) {
          row.push_back(io::format_number(t.estimate));
          row.push_back(io::format_number(t.p));
          md += ' ';
          md += fixed(t.estimate, 3);
          md += " (";
          md += p_text(t.p);
          md += ") |";
        }
    }
    const bool lofo = a.lofo.n_predicted > 0;
    row.push_back(lofo ? io::format_number(a.lofo.rmse) : "");
    row.push_back(lofo ? io::format_number(a.lofo.rmse_controls_only) : "");
    row.push_back("");
    out.csv.add_row(row);
    md += " " + (lofo ? fixed(a.lofo.rmse) : "") + " | " + (lofo ? fixed(a.lofo.rmse_controls_only) : "") + " |\n";
  }
  return out;
}

std::string matching_and_notes_markdown(const RegressionStudy& study) {
  std::size_t matched = 0;
  for (const auto& m : study.matches) matched += m.status == "matched";
  std::string md = "\n## Matching\n\n" + std::to_string(matched) + " of " + std::to_string(study.matches.size()) +
                   " benchmark rows matched a model of metrics.csv (matches.csv lists every row and the rule used).\n";
  std::size_t listed = 0;
  for (const auto& m : study.matches) {
    if (m.status == "matched") continue;
    if (listed++ == 0) md += "\nUnmatched rows:\n\n";
    if (listed > 50) {
      md += "- ... (" + std::to_string(study.matches.size() - matched - 50) + " more in matches.csv)\n";
      break;
    }
    md += "- " + md_escape(m.benchmark_model) + (m.benchmark_checkpoint.empty() ? "" : "@" + md_escape(m.benchmark_checkpoint)) +
          " (" + md_escape(m.source) + "): " + md_escape(m.status.substr(m.status.find(':') + 2)) + "\n";
  }
  if (!study.notes.empty()) {
    md += "\n## Notes\n\n";
    for (const auto& note : study.notes) md += "- " + md_escape(note) + "\n";
  }
  return md;
}

}  // namespace

void write_regression_outputs(const std::filesystem::path& directory, const RegressionStudy& study) {
  std::filesystem::create_directories(directory);
  for (const auto& a : study.analyses) write_benchmark_files(directory, a, study);
  matches_csv(study).write(directory / "matches.csv");
  observations_csv(study).write(directory / "observations.csv");
  const Summary summary = summary_tables(study);
  summary.csv.write(directory / "summary.csv");
  write_text(directory / "summary.md", summary.md + matching_and_notes_markdown(study));
}

}  // namespace infobound::stats
