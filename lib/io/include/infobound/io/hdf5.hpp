#pragma once
// Thin RAII wrappers over the HDF5 C API. Every call is checked; a failure becomes an
// io::Hdf5Error carrying what we tried, the file and the HDF5 error stack. No hid_t leaves lib/io.
//
// File locking: HDF5 >= 1.10.7 locks files with flock(), which fails on some NFS and Lustre mounts.
// We keep locking on but ignore failures where the file system does not support it, and the
// environment variable HDF5_USE_FILE_LOCKING (FALSE/TRUE, read by HDF5 itself) overrides both.
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "infobound/core/error.hpp"

namespace infobound::io::h5 {

class Hdf5Error : public InputError {
 public:
  using InputError::InputError;
};

// An owned HDF5 identifier (closed with the right H5?close on destruction).
class Handle {
 public:
  enum class Kind { none, file, group, dataset, dataspace, datatype, attribute, plist };
  Handle() = default;
  Handle(int64_t id, Kind kind) : id_(id), kind_(kind) {}
  Handle(Handle&& other) noexcept;
  Handle& operator=(Handle&& other) noexcept;
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle();
  int64_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }
  // Gives up ownership without closing.
  int64_t release() noexcept {
    const int64_t id = id_;
    id_ = -1;
    return id;
  }

 private:
  void reset() noexcept;
  int64_t id_ = -1;
  Kind kind_ = Kind::none;
};

// What a dataset holds, for readers of files written by others (h5py fixtures, user case files).
enum class ElementClass { integer, floating, string, other };
struct DatasetInfo {
  ElementClass element = ElementClass::other;
  std::size_t element_bytes = 0;
  std::vector<int64_t> shape;
};

class Group {
 public:
  Group(Handle handle, std::string path, std::string file)
      : handle_(std::move(handle)), path_(std::move(path)), file_(std::move(file)) {}

  Group create_group(const std::string& name);
  Group open_group(const std::string& name) const;
  // A child link; `name` may be a relative path ("case_01/z"), whose missing parents mean false.
  bool has(const std::string& name) const;
  std::vector<std::string> children() const;  // link names in creation-independent (name) order

  bool has_attribute(const std::string& name) const;
  void set_attribute(const std::string& name, int64_t value);
  void set_attribute(const std::string& name, double value);
  void set_attribute(const std::string& name, const std::string& value);  // variable-length UTF-8
  void set_attribute(const std::string& name, std::span<const int64_t> values);
  int64_t int_attribute(const std::string& name) const;
  double double_attribute(const std::string& name) const;
  std::string string_attribute(const std::string& name) const;
  std::vector<int64_t> int_array_attribute(const std::string& name) const;

  // Datasets of any rank; `shape` product must equal the data size. Large datasets are chunked
  // and compressed (shuffle + deflate 1), small and empty ones stored contiguous.
  void write(const std::string& name, std::span<const int64_t> data, const std::vector<int64_t>& shape);
  void write(const std::string& name, std::span<const double> data, const std::vector<int64_t>& shape);
  void write(const std::string& name, std::span<const int8_t> data, const std::vector<int64_t>& shape);
  void write(const std::string& name, std::span<const float> data, const std::vector<int64_t>& shape);
  void write_strings(const std::string& name, const std::vector<std::string>& values);
  std::vector<int64_t> read_int64(const std::string& name, std::vector<int64_t>* shape = nullptr) const;
  std::vector<double> read_double(const std::string& name, std::vector<int64_t>* shape = nullptr) const;
  std::vector<int8_t> read_int8(const std::string& name, std::vector<int64_t>* shape = nullptr) const;
  std::vector<float> read_float(const std::string& name, std::vector<int64_t>* shape = nullptr) const;
  std::vector<std::string> read_strings(const std::string& name) const;
  std::vector<int64_t> dataset_shape(const std::string& name) const;
  DatasetInfo dataset_info(const std::string& name) const;
  // A hard link `name` here to the object at absolute path `target` in the same file.
  void link(const std::string& target, const std::string& name);

  const std::string& path() const { return path_; }
  const std::string& file() const { return file_; }

 private:
  Handle open_dataset(const std::string& name) const;
  void write_raw(const std::string& name, int64_t mem_type, int64_t file_type, const void* data, std::size_t count,
                 const std::vector<int64_t>& shape);
  void read_raw(const std::string& name, int64_t mem_type, void* out, std::size_t count) const;
  std::string where(const std::string& name) const;
  Handle handle_;
  std::string path_;
  std::string file_;
};

class File {
 public:
  // Creates (truncating) a file for writing.
  static File create(const std::filesystem::path& path);
  static File open_read_only(const std::filesystem::path& path);
  Group& root() { return root_; }
  const Group& root() const { return root_; }
  // Flushes and closes; errors surface here instead of in a destructor.
  void close();
  ~File();
  File(File&&) = default;
  File& operator=(File&&) = default;

 private:
  File(Handle file, Group root, std::filesystem::path path);
  Handle file_;
  Group root_;
  std::filesystem::path path_;
};

}  // namespace infobound::io::h5
