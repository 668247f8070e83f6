#include "figures.hpp"

#include "dynamics_text.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

namespace infobound::report {

std::string format_value(double v, int digits) {
  if (!std::isfinite(v)) return "n/a";
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*g", digits, v);
  return buffer;
}

std::string file_stem(const std::string& text) {
  std::string s;
  for (const unsigned char c : text) {
    if (std::isalnum(c) || c == '.' || c == '-') s.push_back(static_cast<char>(std::tolower(c)));
    else if (!s.empty() && s.back() != '_') s.push_back('_');
  }
  while (!s.empty() && s.back() == '_') s.pop_back();
  return s.empty() ? "x" : s;
}

namespace {

std::string order_name(int k) { return k == 1 ? "unigram" : k == 2 ? "bigram" : k == 3 ? "trigram" : "4-gram"; }

}  // namespace

std::optional<BuiltFigure> information_plane(const std::vector<Trajectory>& trajectories,
                                             const std::vector<bound::OrderCurve>& curves, int order) {
  const int k = order - 1;
  BuiltFigure built;
  Figure& f = built.figure;
  f.name = "information_plane_order" + std::to_string(order);
  f.height = 900;
  std::vector<std::string> plots;
  for (std::size_t c = 0; c < curves.size(); ++c) {
    if (curves[c].order != order) continue;
    std::vector<std::vector<double>> rows;
    for (const auto& p : curves[c].normalised_points()) rows.push_back({p.i_xt, p.i_ty});
    const std::string name = "bound" + std::to_string(c);
    f.datablocks.push_back(datablock(name, rows));
    plots.push_back("$" + name + " using 1:2 with lines lw 3 dt " + std::to_string(1 + plots.size()) +
                    " lc rgb \"black\" title " + gnuplot_string("IB bound (" + curves[c].tokenizer_id + ")"));
  }
  const bool with_bound = !plots.empty();
  std::map<std::string, std::size_t> model_colour;
  std::set<std::string> titled;
  std::size_t drawn = 0;
  for (std::size_t t = 0; t < trajectories.size(); ++t) {
    const auto& tr = trajectories[t];
    std::vector<std::vector<double>> rows;
    for (const auto& l : tr.layers)
      if (std::isfinite(l.complexity[k]) && std::isfinite(l.expressivity[k]))
        rows.push_back({l.complexity[k], l.expressivity[k]});
    if (rows.empty()) continue;
    const auto [it, inserted] = model_colour.try_emplace(tr.model, model_colour.size());
    const std::string name = "t" + std::to_string(t);
    f.datablocks.push_back(datablock(name, rows));
    const std::string colour = series_colour(it->second);
    const bool title = tr.final_checkpoint && titled.insert(tr.model).second;
    plots.push_back("$" + name + " using 1:2 with linespoints lw " + (tr.final_checkpoint ? "2.5" : "1.2") + " dt " +
                    (tr.final_checkpoint ? "1" : "3") + " pt 7 ps 0.7 lc rgb \"" + colour + "\" " +
                    (title ? "title " + gnuplot_string(tr.model) : "notitle"));
    plots.push_back("$" + name + " every ::0::0 using 1:2 with points pt 4 ps 1.8 lw 2 lc rgb \"" + colour + "\" notitle");
    ++drawn;
  }
  if (drawn == 0) return std::nullopt;
  // Zoom to the models: the bound usually extends far beyond them, and the part of the curve
  // that matters is the one above their complexity range.
  double max_x = 0, max_y = 0, curve_x = 0, curve_y = 0;
  for (const auto& tr : trajectories)
    for (const auto& l : tr.layers)
      if (std::isfinite(l.complexity[k]) && std::isfinite(l.expressivity[k])) {
        max_x = std::max(max_x, l.complexity[k]);
        max_y = std::max(max_y, l.expressivity[k]);
      }
  double x_limit = 1.3 * max_x, y_limit = 1.3 * max_y;
  for (const auto& c : curves)
    if (c.order == order) {
      const auto norm = c.normalised_points();
      curve_x = std::max(curve_x, norm.back().i_xt);
      curve_y = std::max(curve_y, norm.back().i_ty);
      y_limit = std::max(y_limit, 1.05 * bound::curve_value_at(norm, std::min(x_limit, norm.back().i_xt)));
    }
  x_limit = std::max(x_limit, 1e-6);
  f.body = "set title " +
           gnuplot_string("Information plane, " + order_name(order) + " labels (k = " + std::to_string(order) + ")") +
           "\nset xlabel \"complexity I(input_k; Z) / ln n_bins (fraction of the maximum)\"\n"
           "set ylabel \"expressivity I(output_k; Z) / ln n_bins\"\nset grid\nset key outside right top box\n"
           "set xrange [0:" +
           format_value(x_limit, 4) + "]\nset yrange [0:" + format_value(y_limit, 4) + "]\nset lmargin 12\nplot ";
  for (std::size_t i = 0; i < plots.size(); ++i) f.body += (i ? ", \\\n     " : "") + plots[i];
  f.body += "\n";
  built.caption = "Information plane for " + order_name(order) +
                  " labels: each model checkpoint's layers (open square = embedding layer 0; solid = final checkpoint, dotted = "
                  "earlier checkpoints)" +
                  std::string(with_bound ? " under the Information Bottleneck bound of the corpus." : ".");

  // The reading: where the layers sit relative to the bound.
  std::string reading =
      "Each line follows one model from its embedding layer (open square) through its blocks; "
      "moving right means a layer keeps more of the " +
      order_name(order) + " context it read, moving up means it keeps more about the " + order_name(order) + " that follows. ";
  if (with_bound && curve_x > x_limit * 1.01)
    reading += "The axes are zoomed to the models; the bound continues to the right, reaching " + format_value(curve_y) +
               " at complexity " + format_value(curve_x) + ". ";
  if (with_bound) {
    reading +=
        "The black curve is the Information Bottleneck bound of this corpus: the most next-token information any "
        "summary with n_bins clusters of the context can keep at a given complexity, so layers can approach it but a "
        "context-only summary cannot cross it. ";
    double best_gap = INFINITY, worst_gap = -INFINITY;
    std::string best, worst;
    for (const auto& tr : trajectories)
      for (const auto& l : tr.layers) {
        if (!std::isfinite(l.gap[k])) continue;
        if (l.gap[k] < best_gap) {
          best_gap = l.gap[k];
          best = tr.label() + " layer " + std::to_string(l.layer);
        }
        if (l.gap[k] > worst_gap) {
          worst_gap = l.gap[k];
          worst = tr.label() + " layer " + std::to_string(l.layer);
        }
      }
    if (!best.empty())
      reading += "Closest to the bound is " + best + " (gap " + format_value(best_gap) + " of ln n_bins); farthest is " + worst +
                 " (gap " + format_value(worst_gap) + "). ";
    if (order > 1)
      reading +=
          "For k > 1 the bound's target is the next token only while expressivity counts the next k tokens, so a layer "
          "may sit above the curve; read the gap as a comparison, not a violation. ";
  } else {
    reading += "No bound is drawn (no bound.csv for this order). ";
  }
  built.reading = reading;
  return built;
}

std::optional<BuiltFigure> training_dynamics(const std::vector<Trajectory>& trajectories, const std::string& family, int order) {
  std::map<std::string, std::vector<const Trajectory*>> by_model;
  std::map<std::string, const Trajectory*> initial_checkpoint;  // tokens = 0: off the log axis, named in the text
  for (const auto& t : trajectories) {
    if (t.family != family || !std::isfinite(t.tokens)) continue;
    if (t.tokens > 0) by_model[t.model].push_back(&t);
    else initial_checkpoint[t.model] = &t;
  }
  bool any_series = false;
  for (auto& [m, list] : by_model) {
    std::sort(list.begin(), list.end(), [](const auto* a, const auto* b) { return a->tokens < b->tokens; });
    any_series = any_series || list.size() >= 2;
  }
  if (!any_series) return std::nullopt;
  BuiltFigure built;
  Figure& f = built.figure;
  f.name = "training_" + file_stem(family);
  f.width = 1800;
  f.height = 640;
  std::vector<std::string> complexity_plots, expressivity_plots, loss_plots;
  std::string reading = "Each line is one " + family +
                        " model, one point per checkpoint, with the values averaged over its block "
                        "layers. Shapes below ignore swings smaller than the tolerance named (5% of the largest value shown, at "
                        "least 0.005; for the loss 1%, at least 0.02 nats).";
  std::vector<std::pair<std::string, LateVerdict>> verdicts;
  bool any_loss = false;
  std::size_t colour = 0;
  for (const auto& [model, list] : by_model) {
    std::vector<std::vector<double>> rows;
    for (const auto* t : list)
      rows.push_back(
          {t->tokens, t->block_mean(&LayerValues::complexity, order), t->block_mean(&LayerValues::expressivity, order), t->loss});
    const std::string name = "m" + std::to_string(colour);
    f.datablocks.push_back(datablock(name, rows));
    const std::string style = " with linespoints lw 2 pt 7 ps 0.9 lc rgb \"" + series_colour(colour) + "\" ";
    complexity_plots.push_back("$" + name + " using 1:2" + style + "title " + gnuplot_string(model));
    expressivity_plots.push_back("$" + name + " using 1:3" + style + "notitle");
    bool has_loss = false;
    for (const auto* t : list) has_loss = has_loss || std::isfinite(t->loss);
    if (has_loss) loss_plots.push_back("$" + name + " using 1:4" + style + "notitle");
    any_loss = any_loss || has_loss;
    if (list.size() >= 2) {
      const auto initial = initial_checkpoint.find(model);
      const auto dynamics = describe_model_dynamics(list, initial == initial_checkpoint.end() ? nullptr : initial->second, order);
      reading += "\n\n" + dynamics.text;
      verdicts.emplace_back(model, dynamics.verdict);
    }
    ++colour;
  }
  if (const std::string summary = late_compression_summary(verdicts); !summary.empty()) reading += "\n\n" + summary;
  auto join = [](const std::vector<std::string>& plots) {
    std::string s;
    for (std::size_t i = 0; i < plots.size(); ++i) s += (i ? ", \\\n     " : "") + plots[i];
    return s;
  };
  const std::string k = std::to_string(order);
  f.body = "set multiplot layout 1," + std::string(any_loss ? "3" : "2") + " title " +
           gnuplot_string(family + ": information over training (order " + k + ", mean over block layers)") +
           "\nset logscale x 10\nset format x \"10^%T\"\nset grid\nset xlabel \"training tokens seen (log scale)\"\n"
           "set key top left box\nset ylabel \"complexity_" +
           k + " / ln n_bins\"\nplot " + join(complexity_plots) + "\nunset key\nset ylabel \"expressivity_" + k +
           " / ln n_bins\"\nplot " + join(expressivity_plots) + "\n";
  if (any_loss) f.body += "set ylabel \"held-out loss (nats/token)\"\nplot " + join(loss_plots) + "\n";
  f.body += "unset multiplot\n";
  built.caption = family + ": complexity and expressivity (order " + k + ", block mean)" +
                  std::string(any_loss ? " and held-out loss" : "") + " against training tokens.";
  built.reading = reading;
  return built;
}

BuiltFigure layer_profile(const Trajectory& tr) {
  BuiltFigure built;
  Figure& f = built.figure;
  f.name = "layers_" + file_stem(tr.label());
  f.height = 800;
  const int orders = tr.layers.empty() ? 4 : static_cast<int>(tr.layers.front().complexity.size());
  std::vector<std::vector<double>> rows;
  for (const auto& l : tr.layers) {
    std::vector<double> row{static_cast<double>(l.layer), l.H};
    row.insert(row.end(), l.complexity.begin(), l.complexity.end());
    row.insert(row.end(), l.expressivity.begin(), l.expressivity.end());
    rows.push_back(row);
  }
  // Missing columns would blank whole rows; plot each series from its own valid rows instead.
  std::vector<std::string> plots;
  auto add_series = [&](int column, const std::string& title, const std::string& style) {
    std::vector<std::vector<double>> series;
    for (const auto& r : rows)
      if (std::isfinite(r[column])) series.push_back({r[0], r[column]});
    if (series.empty()) return;
    const std::string name = "s" + std::to_string(column);
    f.datablocks.push_back(datablock(name, series));
    plots.push_back("$" + name + " using 1:2 " + style + " title " + gnuplot_string(title));
  };
  add_series(1, "H(Z)", "with linespoints lw 3 pt 5 lc rgb \"black\"");
  for (int k = 1; k <= orders; ++k)
    add_series(1 + k, "complexity_" + std::to_string(k) + " = I(input_" + std::to_string(k) + "; Z)",
               "with linespoints lw 2 pt 7 dt 1 lc rgb \"" + series_colour(k - 1) + "\"");
  for (int k = 1; k <= orders; ++k)
    add_series(1 + orders + k, "expressivity_" + std::to_string(k) + " = I(output_" + std::to_string(k) + "; Z)",
               "with linespoints lw 2 pt 9 dt 2 lc rgb \"" + series_colour(k - 1) + "\"");
  f.body = "set title " + gnuplot_string(tr.label() + ": entropy and mutual information per layer") +
           "\nset xlabel \"layer (0 = embeddings, " + std::to_string(tr.n_layers) +
           " = last block)\"\n"
           "set ylabel \"nats / ln n_bins (fraction of the maximum)\"\nset grid\nset key outside right top box\n"
           "set xrange [-0.5:" +
           std::to_string(tr.n_layers) + ".5]\nset yrange [0:*]\nset xtics 1\n";
  if (tr.n_layers > 16) f.body += "set xtics " + std::to_string((tr.n_layers + 11) / 12) + "\n";
  f.body += "plot ";
  for (std::size_t i = 0; i < plots.size(); ++i) f.body += (i ? ", \\\n     " : "") + plots[i];
  f.body += "\n";
  built.caption = tr.label() + ": H(Z) (black), complexity (solid) and expressivity (dashed) per layer, colour = n-gram order.";

  auto peak = [&](auto getter) {
    double best = -INFINITY;
    int64_t at = -1;
    for (const auto& l : tr.layers)
      if (const double v = getter(l); std::isfinite(v) && v > best) {
        best = v;
        at = l.layer;
      }
    return std::make_pair(at, best);
  };
  const auto h = peak([](const LayerValues& l) { return l.H; });
  const auto c1 = peak([](const LayerValues& l) { return l.complexity[0]; });
  const auto e1 = peak([](const LayerValues& l) { return l.expressivity[0]; });
  std::string reading = "Across the " + std::to_string(tr.n_layers) + " blocks of " + tr.label() +
                        ", the representation entropy H(Z) peaks at layer " + std::to_string(h.first) + " (" +
                        format_value(h.second) + " of its maximum)";
  if (c1.first >= 0)
    reading += "; unigram complexity peaks at layer " + std::to_string(c1.first) + " (" + format_value(c1.second) +
               ") and unigram expressivity at layer " + std::to_string(e1.first) + " (" + format_value(e1.second) + ")";
  reading +=
      ". A layer where the solid lines fall while the dashed ones hold is discarding input detail that does not help "
      "prediction; the gap between H(Z) and the curves is spread that neither the context nor the continuation explains.";
  built.reading = reading;
  return built;
}

std::optional<BuiltFigure> regression_scatter(const std::string& benchmark, const std::string& slug, const io::CsvTable& terms,
                                              const io::CsvTable& points) {
  if (points.num_rows() < 2) return std::nullopt;
  const std::string predictor = points.cell(0, points.column("predictor"));
  double slope = NAN, se = NAN, p = NAN, r2 = NAN;
  for (std::size_t r = 0; r < terms.num_rows(); ++r)
    if (terms.cell(r, terms.column("term")) == predictor) {
      slope = terms.number(r, terms.column("estimate")).value_or(NAN);
      se = terms.number(r, terms.column("std_error")).value_or(NAN);
      p = terms.number(r, terms.column("p")).value_or(NAN);
      r2 = terms.number(r, terms.column("r2")).value_or(NAN);
    }
  if (!std::isfinite(slope)) return std::nullopt;
  BuiltFigure built;
  Figure& f = built.figure;
  f.name = "regression_" + slug;
  f.height = 820;
  std::map<std::string, std::vector<std::vector<double>>> by_family;
  double lo = INFINITY, hi = -INFINITY;
  for (std::size_t r = 0; r < points.num_rows(); ++r) {
    const double x = *points.number(r, points.column("partial_x")), y = *points.number(r, points.column("partial_y"));
    by_family[points.cell(r, points.column("family"))].push_back({x, y});
    lo = std::min(lo, x);
    hi = std::max(hi, x);
  }
  std::vector<std::string> plots;
  std::size_t colour = 0;
  for (const auto& [family, rows] : by_family) {
    const std::string name = "f" + std::to_string(colour);
    f.datablocks.push_back(datablock(name, rows));
    plots.push_back("$" + name + " using 1:2 with points pt 7 ps 1.6 lc rgb \"" + series_colour(colour++) + "\" title " +
                    gnuplot_string(family));
  }
  const double pad = 0.05 * (hi - lo);
  f.datablocks.push_back(datablock("fit", {{lo - pad, slope * (lo - pad)}, {hi + pad, slope * (hi + pad)}}));
  plots.push_back("$fit using 1:2 with lines lw 2.5 lc rgb \"black\" title " +
                  gnuplot_string("OLS slope " + format_value(slope)));
  f.body = "set title " + gnuplot_string(benchmark + ": score against " + predictor + ", other regressors partialled out") +
           "\nset xlabel " + gnuplot_string(predictor + " | other regressors (residual, in the predictor's units)") +
           "\nset ylabel " + gnuplot_string(benchmark + " score | other regressors (residual, in score units)") +
           "\nset grid\nset key outside right top box\nplot ";
  for (std::size_t i = 0; i < plots.size(); ++i) f.body += (i ? ", \\\n     " : "") + plots[i];
  f.body += "\n";
  built.caption = benchmark + ": added-variable plot of " + predictor + " (each point a model checkpoint, colour = family).";
  built.reading =
      "Each point is one model checkpoint. Both axes have the other regressors (the other predictors, log10 parameters, log10 "
      "training tokens and any family effects) removed, so the line's slope is exactly the regression coefficient of " +
      predictor + ": " + format_value(slope) + " score points per unit (SE " + format_value(se) + ", p = " + format_value(p, 2) +
      "; R² of the full model " + format_value(r2) + "). " +
      (p < 0.05 ? "At the 5% level the measure predicts the score beyond scale."
                : "At the 5% level this is not distinguishable from no effect beyond scale.") +
      " Points far from the line are checkpoints the measure does not explain.";
  return built;
}

std::string regression_terms_reading(const std::string& benchmark, const io::CsvTable& terms) {
  if (terms.num_rows() == 0) return "";
  auto number = [&](std::size_t r, const char* column) {
    const auto c = terms.find_column(column);
    return c ? terms.number(r, *c).value_or(NAN) : NAN;
  };
  auto list = [](const std::vector<std::string>& items) {
    std::string s;
    for (std::size_t i = 0; i < items.size(); ++i) s += (i ? (i + 1 == items.size() ? " and " : ", ") : "") + items[i];
    return s;
  };
  // Joint: the OLS coefficient given the other measures and the scale controls. Alone: the partial
  // correlation given the scale controls only.
  std::vector<std::string> joint_yes, joint_no, alone_yes, alone_no;
  for (std::size_t r = 0; r < terms.num_rows(); ++r) {
    const double partial = number(r, "partial_r");
    if (!std::isfinite(partial)) continue;  // intercept and scale controls have no partial correlation
    const double estimate = number(r, "estimate"), p = number(r, "p"), partial_p = number(r, "partial_p");
    const std::string term = terms.cell(r, terms.column("term"));
    (p < 0.05 ? joint_yes : joint_no)
        .push_back(term + " " + (estimate >= 0 ? "+" : "") + format_value(estimate) + " (p = " + format_value(p, 2) + ")");
    (partial_p < 0.05 ? alone_yes : alone_no)
        .push_back(term + " r = " + format_value(partial, 2) + " (p = " + format_value(partial_p, 2) + ")");
  }
  std::string text = benchmark + ": n = " + format_value(number(0, "n"), 6) +
                     " model checkpoints, R² = " + format_value(number(0, "r2")) + " (adjusted " +
                     format_value(number(0, "adj_r2")) + "). ";
  if (joint_yes.empty())
    text +=
        "In the joint regression (each measure given the others and the scale controls) no measure is significant at the 5% "
        "level: " +
        list(joint_no) + ". ";
  else
    text += "In the joint regression (each measure given the others and the scale controls) the score goes with " +
            list(joint_yes) + " at the 5% level" + (joint_no.empty() ? "" : "; not with " + list(joint_no)) + ". ";
  if (alone_yes.empty())
    text +=
        "Taken one at a time (partial correlation given the scale controls only), none is significant either: " + list(alone_no) +
        ". ";
  else
    text +=
        "Taken one at a time (partial correlation given the scale controls only), " + list(alone_yes) + " " +
        (alone_yes.size() == 1 ? "is" : "are") + " significant" + (alone_no.empty() ? "" : "; " + list(alone_no) + " not") +
        (joint_yes.empty() ? ": significant alone but not in the joint fit, as happens when the measures move together. " : ". ");
  const double lofo = number(0, "lofo_rmse"), controls = number(0, "lofo_rmse_controls_only");
  if (std::isfinite(lofo) && std::isfinite(controls)) {
    text += "Predicting each family from the others, the RMSE is " + format_value(lofo) + " with the measures and " +
            format_value(controls) + " with the scale controls alone: the measures " +
            (lofo < controls ? "improve" : "do not improve") + " prediction across families.";
  }
  return text;
}

}  // namespace infobound::report
