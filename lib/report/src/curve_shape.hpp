#pragma once
// The shape of a curve over checkpoints, so that the report's sentences follow from the numbers:
// swings smaller than a tolerance are noise, the remaining ones give the shape (flat, rising,
// falling, dip, peak, oscillating) and the checkpoints where it turns.
#include <cstddef>
#include <string>
#include <vector>

namespace infobound::report {

enum class Shape { flat, rising, falling, dip, peak, oscillating };

struct CurveShape {
  Shape shape = Shape::flat;
  // Indices of the significant extremes in order: the start, every turning point, and the extreme
  // the last swing reaches (the curve stays within the tolerance of it until the end).
  std::vector<std::size_t> pivots;
  std::size_t min_index = 0, max_index = 0;
  double tolerance = 0;
  // Interior turning points (pivots without the first and the last).
  std::vector<std::size_t> turns() const;
};

// The default tolerance of a curve: max(floor, relative x its largest magnitude).
double curve_tolerance(const std::vector<double>& values, double floor = 0.005, double relative = 0.05);

// Zigzag over `values` (finite, at least one): a swing counts once it exceeds `tolerance`.
CurveShape classify_curve(const std::vector<double>& values, double tolerance);

std::string shape_name(Shape shape);  // "flat", "rising", "falling", "dip (V)", "peak (inverted V)", "oscillating"

// One sentence on a curve: "complexity dips (V): it falls from 0.25 at step 1 to 0.05 at step 16
// (-0.2), then rises to 0.4 at step 300 (+0.35); it ends 0.15 above its start." `labels` name the
// checkpoints ("step 16"); `what` names the quantity.
std::string describe_curve(const std::string& what, const std::vector<double>& values, const std::vector<std::string>& labels,
                           const CurveShape& shape, int digits = 3);

std::string signed_value(double v, int digits = 3);  // "+0.12", "-0.3"

}  // namespace infobound::report
