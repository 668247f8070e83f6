#pragma once
// Paths to ../shared/fixtures and a thin adapter over lib/io's HDF5 wrapper for the soft_h case files.
#include <filesystem>
#include <string>
#include <type_traits>
#include <vector>

#include <ATen/ATen.h>

#include "infobound/io/hdf5.hpp"
#include "infobound/io/hdf5_tensor.hpp"

std::filesystem::path fixture_path(const std::string& relative);
bool fixtures_present();

#define SKIP_WITHOUT_FIXTURES()                                                            \
  do {                                                                                     \
    if (!fixtures_present()) GTEST_SKIP() << "fixtures not found at " << fixture_path(""); \
  } while (0)

// Attribute names are "object/attribute" or a bare root attribute.
class FixtureFile {
 public:
  explicit FixtureFile(const std::filesystem::path& path) : file_(infobound::io::h5::File::open_read_only(path)) {}
  bool has(const std::string& name) const { return file_.root().has(name); }
  at::Tensor tensor(const std::string& name) const { return infobound::io::h5::read_tensor(file_.root(), name); }
  double scalar(const std::string& name) const { return tensor(name).to(at::kDouble).item<double>(); }
  double attr_double(const std::string& name) const {
    return on(object(name), [&](const infobound::io::h5::Group& g) { return g.double_attribute(leaf(name)); });
  }
  int64_t attr_int(const std::string& name) const {
    return on(object(name), [&](const infobound::io::h5::Group& g) { return g.int_attribute(leaf(name)); });
  }
  std::string attr_string(const std::string& name) const {
    return on(object(name), [&](const infobound::io::h5::Group& g) { return g.string_attribute(leaf(name)); });
  }
  std::vector<int64_t> attr_int_array(const std::string& name) const {
    return on(object(name), [&](const infobound::io::h5::Group& g) { return g.int_array_attribute(leaf(name)); });
  }
  std::vector<std::string> children(const std::string& name) const {
    return on(name, [](const infobound::io::h5::Group& g) { return g.children(); });
  }

 private:
  static std::string object(const std::string& name) {
    const auto slash = name.rfind('/');
    return slash == std::string::npos || slash == 0 ? "/" : name.substr(0, slash);
  }
  static std::string leaf(const std::string& name) {
    const auto slash = name.rfind('/');
    return slash == std::string::npos ? name : name.substr(slash + 1);
  }
  template <typename Read>
  std::invoke_result_t<Read, const infobound::io::h5::Group&> on(const std::string& group, Read read) const {
    return group == "/" ? read(file_.root()) : read(file_.root().open_group(group));
  }
  infobound::io::h5::File file_;
};
