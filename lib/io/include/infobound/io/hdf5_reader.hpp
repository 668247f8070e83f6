#pragma once
// Read-only access to HDF5 files written by others (h5py fixtures, user case files). Every
// failure is an InputError naming the file and the object, never a raw HDF5 error stack.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <ATen/ATen.h>

namespace infobound::io {

class Hdf5Reader {
 public:
  explicit Hdf5Reader(const std::filesystem::path& path);
  ~Hdf5Reader();
  Hdf5Reader(const Hdf5Reader&) = delete;
  Hdf5Reader& operator=(const Hdf5Reader&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // True if the object (dataset or group) exists; intermediate groups may be missing.
  bool has(const std::string& name) const;
  bool has_attribute(const std::string& object, const std::string& attribute) const;
  std::vector<std::string> children(const std::string& group) const;

  // A dataset as a CPU tensor: float32 stays float32, other floats become float64, integers int64.
  at::Tensor dataset(const std::string& name) const;
  std::vector<int64_t> shape(const std::string& name) const;
  bool is_float(const std::string& name) const;

  double attribute_double(const std::string& object, const std::string& attribute) const;
  int64_t attribute_int(const std::string& object, const std::string& attribute) const;
  std::vector<int64_t> attribute_int_array(const std::string& object, const std::string& attribute) const;
  std::string attribute_string(const std::string& object, const std::string& attribute) const;

 private:
  std::filesystem::path path_;
  int64_t file_;
};

}  // namespace infobound::io
