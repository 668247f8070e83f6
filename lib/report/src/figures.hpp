#pragma once
// The report's figures: each builder returns the gnuplot figure and a plain-language reading
// of what it shows, computed from the same numbers.
#include <optional>
#include <string>
#include <vector>

#include "infobound/bound/bound_table.hpp"
#include "infobound/io/csv_table.hpp"
#include "infobound/report/gnuplot.hpp"
#include "run_metrics.hpp"

namespace infobound::report {

struct BuiltFigure {
  Figure figure;
  std::string caption;
  std::string reading;
};

// Complexity vs expressivity per layer, one line per model checkpoint, the bound curve on top.
std::optional<BuiltFigure> information_plane(const std::vector<Trajectory>& trajectories,
                                             const std::vector<bound::OrderCurve>& curves, int order);
// Complexity, expressivity (block means) and held-out loss over training tokens, one family.
std::optional<BuiltFigure> training_dynamics(const std::vector<Trajectory>& trajectories, const std::string& family, int order);
// H(Z), complexity_k and expressivity_k per layer of one model checkpoint.
BuiltFigure layer_profile(const Trajectory& trajectory);
// Added-variable scatter of a benchmark's first predictor with the fitted slope.
std::optional<BuiltFigure> regression_scatter(const std::string& benchmark, const std::string& slug, const io::CsvTable& terms,
                                              const io::CsvTable& points);

// What a benchmark's regression table says, from its numbers: which predictors are associated with
// the score beyond the scale controls at the 5% level (sign, estimate, p), R², and whether the
// measures improve leave-one-family-out prediction over the controls alone.
std::string regression_terms_reading(const std::string& benchmark, const io::CsvTable& terms);

std::string format_value(double v, int digits = 3);
std::string file_stem(const std::string& text);

}  // namespace infobound::report
