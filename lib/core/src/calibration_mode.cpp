#include "infobound/core/calibration_mode.hpp"

#include <cmath>
#include <cstdlib>
#include <sstream>

#include "infobound/core/error.hpp"

namespace infobound {

Calibration Calibration::parse(std::string_view text) {
  const std::string value(text);
  if (value == "find_eps" || value == "bounds") return {CalibrationMode::find_eps, 0.0};
  if (value == "exact") return {CalibrationMode::exact, 0.0};
  if (value == "leading_order") return {CalibrationMode::leading_order, 0.0};
  if (value == "legacy_grid" || value == "bounds_legacy_grid_a8a8577") return {CalibrationMode::legacy_grid, 0.0};
  const std::string number = value.rfind("fixed:", 0) == 0 ? value.substr(6) : value;
  char* end = nullptr;
  const double eps = std::strtod(number.c_str(), &end);
  if (!number.empty() && end == number.c_str() + number.size() && std::isfinite(eps) && eps > 0.0)
    return {CalibrationMode::fixed, eps};
  throw InputError("calibration '" + value + "' is not one of find_eps, exact, leading_order, legacy_grid, fixed:EPS (EPS > 0)");
}

std::string Calibration::to_string() const {
  switch (mode) {
    case CalibrationMode::find_eps: return "find_eps";
    case CalibrationMode::exact: return "exact";
    case CalibrationMode::leading_order: return "leading_order";
    case CalibrationMode::legacy_grid: return "legacy_grid";
    case CalibrationMode::fixed: {
      std::ostringstream out;
      out.precision(17);
      out << "fixed:" << fixed_eps;
      return out.str();
    }
  }
  return "?";
}

}  // namespace infobound
