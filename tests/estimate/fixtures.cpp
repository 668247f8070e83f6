#include "fixtures.hpp"

std::filesystem::path fixture_path(const std::string& relative) {
  return std::filesystem::path(INFOBOUND_SHARED_DIR) / "fixtures" / relative;
}

bool fixtures_present() { return std::filesystem::exists(fixture_path("soft_entropy/calibration.csv")); }
