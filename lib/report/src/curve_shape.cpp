#include "curve_shape.hpp"

#include "figures.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace infobound::report {

std::vector<std::size_t> CurveShape::turns() const {
  if (pivots.size() <= 2) return {};
  return {pivots.begin() + 1, pivots.end() - 1};
}

double curve_tolerance(const std::vector<double>& values, double floor, double relative) {
  double largest = 0;
  for (const double v : values)
    if (std::isfinite(v)) largest = std::max(largest, std::fabs(v));
  return std::max(floor, relative * largest);
}

CurveShape classify_curve(const std::vector<double>& values, double tolerance) {
  if (values.empty()) throw std::invalid_argument("classify_curve: no values");
  CurveShape out;
  out.tolerance = tolerance;
  for (std::size_t i = 1; i < values.size(); ++i) {
    if (values[i] < values[out.min_index]) out.min_index = i;
    if (values[i] > values[out.max_index]) out.max_index = i;
  }
  out.pivots.push_back(0);
  int trend = 0;  // +1 rising, -1 falling, 0 no swing beyond the tolerance yet
  std::size_t extreme = 0;
  for (std::size_t i = 1; i < values.size(); ++i) {
    const double v = values[i];
    if (trend == 0) {
      if (v - values[0] > tolerance) trend = 1, extreme = i;
      else if (values[0] - v > tolerance) trend = -1, extreme = i;
    } else if (trend > 0) {
      if (v >= values[extreme]) extreme = i;
      else if (values[extreme] - v > tolerance) out.pivots.push_back(extreme), trend = -1, extreme = i;
    } else {
      if (v <= values[extreme]) extreme = i;
      else if (v - values[extreme] > tolerance) out.pivots.push_back(extreme), trend = 1, extreme = i;
    }
  }
  if (trend == 0) {
    out.shape = Shape::flat;
    return out;
  }
  out.pivots.push_back(extreme);
  const std::size_t swings = out.pivots.size() - 1;
  const bool first_up = values[out.pivots[1]] > values[0];
  if (swings == 1) out.shape = first_up ? Shape::rising : Shape::falling;
  else if (swings == 2) out.shape = first_up ? Shape::peak : Shape::dip;
  else out.shape = Shape::oscillating;
  return out;
}

std::string shape_name(Shape shape) {
  switch (shape) {
    case Shape::flat: return "flat";
    case Shape::rising: return "rising";
    case Shape::falling: return "falling";
    case Shape::dip: return "dip (V)";
    case Shape::peak: return "peak (inverted V)";
    case Shape::oscillating: return "oscillating";
  }
  return "?";
}

std::string signed_value(double v, int digits) { return (v >= 0 ? "+" : "") + format_value(v, digits); }

std::string describe_curve(const std::string& what, const std::vector<double>& values, const std::vector<std::string>& labels,
                           const CurveShape& shape, int digits) {
  auto at = [&](std::size_t i) { return format_value(values[i], digits) + " at " + labels[i]; };
  const std::size_t last = values.size() - 1;
  const std::string tolerance = format_value(shape.tolerance, 2);
  if (shape.shape == Shape::flat)
    return what + " is flat within " + tolerance + ": it stays between " + at(shape.min_index) + " and " + at(shape.max_index) +
           " (" + at(0) + ", " + at(last) + ").";
  std::string text = what;
  switch (shape.shape) {
    case Shape::rising: text += " rises"; break;
    case Shape::falling: text += " falls"; break;
    case Shape::dip: text += " dips (V shape)"; break;
    case Shape::peak: text += " peaks (inverted V)"; break;
    default: text += " oscillates (" + std::to_string(shape.pivots.size() - 1) + " swings larger than " + tolerance + ")"; break;
  }
  text += ": from " + at(0);
  for (std::size_t p = 1; p < shape.pivots.size(); ++p) {
    const std::size_t from = shape.pivots[p - 1], to = shape.pivots[p];
    const double change = values[to] - values[from];
    text += std::string(p == 1 ? " it " : ", then ") + (change > 0 ? "rises" : "falls") + " to " + at(to) + " (" +
            signed_value(change, digits) + ")";
  }
  if (shape.pivots.back() != last) text += ", and stays within " + tolerance + " of that to " + at(last);
  const double net = values[last] - values[0];
  text += "; it ends " + format_value(std::fabs(net), digits) + (net >= 0 ? " above" : " below") + " its start";
  if (shape.shape != Shape::rising && shape.shape != Shape::falling) {
    const bool end_is_max = shape.max_index == last, end_is_min = shape.min_index == last;
    if (end_is_max) text += ", at its maximum";
    else if (end_is_min) text += ", at its minimum";
  }
  return text + ".";
}

}  // namespace infobound::report
