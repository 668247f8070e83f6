#pragma once
// Paths to ../shared/fixtures and a small reader for the soft_h case files (HDF5, made by h5py).
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <ATen/ATen.h>

std::filesystem::path fixture_path(const std::string& relative);
bool fixtures_present();

#define SKIP_WITHOUT_FIXTURES()                                                          \
  do {                                                                                   \
    if (!fixtures_present()) GTEST_SKIP() << "fixtures not found at " << fixture_path(""); \
  } while (0)

// Minimal read access to one HDF5 file of the fixtures.
class FixtureFile {
 public:
  explicit FixtureFile(const std::filesystem::path& path);
  ~FixtureFile();
  FixtureFile(const FixtureFile&) = delete;
  FixtureFile& operator=(const FixtureFile&) = delete;

  bool has(const std::string& name) const;
  // A float or integer dataset as a CPU tensor of float64 / int64 (float32 datasets keep float32).
  at::Tensor tensor(const std::string& name) const;
  double scalar(const std::string& name) const;
  double attr_double(const std::string& name) const;
  int64_t attr_int(const std::string& name) const;
  std::string attr_string(const std::string& name) const;
  std::vector<int64_t> attr_int_array(const std::string& name) const;
  std::vector<std::string> children(const std::string& group) const;

 private:
  long long file_;
};
