#pragma once
// Paths to ../shared/fixtures and a thin adapter over io::Hdf5Reader for the soft_h case files.
#include <filesystem>
#include <string>
#include <vector>

#include <ATen/ATen.h>

#include "infobound/io/hdf5_reader.hpp"

std::filesystem::path fixture_path(const std::string& relative);
bool fixtures_present();

#define SKIP_WITHOUT_FIXTURES()                                                          \
  do {                                                                                   \
    if (!fixtures_present()) GTEST_SKIP() << "fixtures not found at " << fixture_path(""); \
  } while (0)

// Attribute names are "object/attribute" or a bare root attribute.
class FixtureFile {
 public:
  explicit FixtureFile(const std::filesystem::path& path) : reader_(path) {}
  bool has(const std::string& name) const { return reader_.has(name); }
  at::Tensor tensor(const std::string& name) const { return reader_.dataset(name); }
  double scalar(const std::string& name) const { return tensor(name).to(at::kDouble).item<double>(); }
  double attr_double(const std::string& name) const { return reader_.attribute_double(object(name), leaf(name)); }
  int64_t attr_int(const std::string& name) const { return reader_.attribute_int(object(name), leaf(name)); }
  std::string attr_string(const std::string& name) const { return reader_.attribute_string(object(name), leaf(name)); }
  std::vector<int64_t> attr_int_array(const std::string& name) const {
    return reader_.attribute_int_array(object(name), leaf(name));
  }
  std::vector<std::string> children(const std::string& group) const { return reader_.children(group); }

 private:
  static std::string object(const std::string& name) {
    const auto slash = name.rfind('/');
    return slash == std::string::npos || slash == 0 ? "/" : name.substr(0, slash);
  }
  static std::string leaf(const std::string& name) {
    const auto slash = name.rfind('/');
    return slash == std::string::npos ? name : name.substr(slash + 1);
  }
  infobound::io::Hdf5Reader reader_;
};
