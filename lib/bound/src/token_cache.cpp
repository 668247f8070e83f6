#include "infobound/bound/token_cache.hpp"

#include <hdf5.h>

#include <algorithm>
#include <utility>

#include "infobound/core/error.hpp"

namespace infobound::bound {
namespace {

// An owned HDF5 identifier closed by the matching H5*close; raw hid_t never leaves this file.
class Handle {
 public:
  using Closer = herr_t (*)(hid_t);
  Handle() = default;
  Handle(hid_t id, Closer closer) : id_(id), closer_(closer) {}
  Handle(Handle&& other) noexcept : id_(std::exchange(other.id_, H5I_INVALID_HID)), closer_(other.closer_) {}
  Handle& operator=(Handle&& other) noexcept {
    if (this != &other) {
      reset();
      id_ = std::exchange(other.id_, H5I_INVALID_HID);
      closer_ = other.closer_;
    }
    return *this;
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() { reset(); }
  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }

 private:
  void reset() {
    if (id_ >= 0 && closer_) closer_(id_);
    id_ = H5I_INVALID_HID;
  }
  hid_t id_ = H5I_INVALID_HID;
  Closer closer_ = nullptr;
};

// HDF5 prints its error stack to stderr by default; our messages say what is wrong instead.
struct SilenceHdf5Errors {
  H5E_auto2_t function = nullptr;
  void* data = nullptr;
  SilenceHdf5Errors() {
    H5Eget_auto2(H5E_DEFAULT, &function, &data);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  }
  ~SilenceHdf5Errors() { H5Eset_auto2(H5E_DEFAULT, function, data); }
};

Handle checked(hid_t id, Handle::Closer closer, const std::string& what) {
  if (id < 0) throw InputError(what);
  return Handle(id, closer);
}

template <typename T>
std::vector<T> read_1d(hid_t file, const std::string& path, const std::string& name, hid_t memory_type, bool integer) {
  if (H5Lexists(file, name.c_str(), H5P_DEFAULT) <= 0)
    throw InputError(path + ": dataset '" + name + "' is missing (expected a token cache, docs/interfaces.md)");
  Handle dataset = checked(H5Dopen2(file, name.c_str(), H5P_DEFAULT), H5Dclose, path + ": cannot open dataset '" + name + "'");
  Handle type = checked(H5Dget_type(dataset.get()), H5Tclose, path + ": cannot read the type of '" + name + "'");
  if (integer && H5Tget_class(type.get()) != H5T_INTEGER)
    throw InputError(path + ": dataset '" + name + "' is not an integer array");
  Handle space = checked(H5Dget_space(dataset.get()), H5Sclose, path + ": cannot read the shape of '" + name + "'");
  if (H5Sget_simple_extent_ndims(space.get()) != 1)
    throw InputError(path + ": dataset '" + name + "' must be one-dimensional");
  hsize_t size = 0;
  H5Sget_simple_extent_dims(space.get(), &size, nullptr);
  std::vector<T> values(size);
  if (size > 0 && H5Dread(dataset.get(), memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) < 0)
    throw InputError(path + ": cannot read dataset '" + name + "' (values out of range for its type?)");
  return values;
}

int64_t read_int_attribute(hid_t file, const std::string& path, const char* name) {
  if (H5Aexists(file, name) <= 0) throw InputError(path + ": root attribute '" + name + "' is missing");
  Handle attribute = checked(H5Aopen(file, name, H5P_DEFAULT), H5Aclose, path + ": cannot open attribute '" + name + "'");
  Handle type = checked(H5Aget_type(attribute.get()), H5Tclose, path + ": cannot read attribute '" + name + "'");
  if (H5Tget_class(type.get()) != H5T_INTEGER) throw InputError(path + ": attribute '" + name + "' must be an integer");
  int64_t value = 0;
  if (H5Aread(attribute.get(), H5T_NATIVE_INT64, &value) < 0)
    throw InputError(path + ": cannot read attribute '" + name + "'");
  return value;
}

std::string read_string_attribute(hid_t file, const std::string& path, const char* name) {
  if (H5Aexists(file, name) <= 0) throw InputError(path + ": root attribute '" + name + "' is missing");
  Handle attribute = checked(H5Aopen(file, name, H5P_DEFAULT), H5Aclose, path + ": cannot open attribute '" + name + "'");
  Handle type = checked(H5Aget_type(attribute.get()), H5Tclose, path + ": cannot read attribute '" + name + "'");
  if (H5Tget_class(type.get()) != H5T_STRING) throw InputError(path + ": attribute '" + name + "' must be a string");
  if (H5Tis_variable_str(type.get()) > 0) {
    Handle memory = checked(H5Tcopy(H5T_C_S1), H5Tclose, path + ": HDF5 type error");
    H5Tset_size(memory.get(), H5T_VARIABLE);
    H5Tset_cset(memory.get(), H5Tget_cset(type.get()));
    char* text = nullptr;
    if (H5Aread(attribute.get(), memory.get(), &text) < 0) throw InputError(path + ": cannot read attribute '" + name + "'");
    std::string value = text ? text : "";
    Handle space = checked(H5Aget_space(attribute.get()), H5Sclose, path + ": HDF5 space error");
    H5Dvlen_reclaim(memory.get(), space.get(), H5P_DEFAULT, &text);
    return value;
  }
  const std::size_t size = H5Tget_size(type.get());
  std::string value(size, '\0');
  if (H5Aread(attribute.get(), type.get(), value.data()) < 0) throw InputError(path + ": cannot read attribute '" + name + "'");
  value.resize(std::min(value.find('\0'), value.size()));
  return value;
}

void write_dataset(hid_t file, const std::string& path, const char* name, hid_t file_type, hid_t memory_type,
                   const void* data, std::size_t size) {
  const hsize_t dims[1] = {size};
  Handle space = checked(H5Screate_simple(1, dims, nullptr), H5Sclose, path + ": HDF5 space error");
  Handle dataset = checked(H5Dcreate2(file, name, file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                           H5Dclose, path + ": cannot create dataset '" + name + "'");
  if (size > 0 && H5Dwrite(dataset.get(), memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0)
    throw InputError(path + ": cannot write dataset '" + name + "'");
}

void write_int_attribute(hid_t file, const std::string& path, const char* name, int64_t value) {
  Handle space = checked(H5Screate(H5S_SCALAR), H5Sclose, path + ": HDF5 space error");
  Handle attribute = checked(H5Acreate2(file, name, H5T_STD_I64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose,
                             path + ": cannot create attribute '" + name + "'");
  if (H5Awrite(attribute.get(), H5T_NATIVE_INT64, &value) < 0) throw InputError(path + ": cannot write '" + name + "'");
}

void write_string_attribute(hid_t file, const std::string& path, const char* name, const std::string& value) {
  Handle type = checked(H5Tcopy(H5T_C_S1), H5Tclose, path + ": HDF5 type error");
  H5Tset_size(type.get(), H5T_VARIABLE);
  H5Tset_cset(type.get(), H5T_CSET_UTF8);
  Handle space = checked(H5Screate(H5S_SCALAR), H5Sclose, path + ": HDF5 space error");
  Handle attribute = checked(H5Acreate2(file, name, type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose,
                             path + ": cannot create attribute '" + name + "'");
  const char* text = value.c_str();
  if (H5Awrite(attribute.get(), type.get(), &text) < 0) throw InputError(path + ": cannot write '" + name + "'");
}

}  // namespace

TokenCache read_token_cache(const std::filesystem::path& file_path) {
  const std::string path = file_path.string();
  if (!std::filesystem::exists(file_path)) throw InputError(path + ": token cache not found");
  SilenceHdf5Errors silence;
  Handle file = checked(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose, path + ": not a readable HDF5 file");
  TokenCache cache;
  cache.tokenizer_id = file_path.stem().string();
  cache.ids = read_1d<int64_t>(file.get(), path, "ids", H5T_NATIVE_INT64, true);
  cache.offsets = read_1d<int64_t>(file.get(), path, "offsets", H5T_NATIVE_INT64, true);
  if (H5Lexists(file.get(), "preference", H5P_DEFAULT) > 0)
    cache.preference = read_1d<int8_t>(file.get(), path, "preference", H5T_NATIVE_INT8, true);
  cache.max_order = read_int_attribute(file.get(), path, "max_order");
  cache.window = read_string_attribute(file.get(), path, "window");

  if (cache.offsets.empty() || cache.offsets.front() != 0)
    throw InputError(path + ": 'offsets' must start with 0 (it has " + std::to_string(cache.offsets.size()) + " entries)");
  if (cache.offsets.back() != static_cast<int64_t>(cache.ids.size()))
    throw InputError(path + ": 'offsets' ends at " + std::to_string(cache.offsets.back()) + " but 'ids' has " +
                     std::to_string(cache.ids.size()) + " tokens");
  for (std::size_t i = 1; i < cache.offsets.size(); ++i)
    if (cache.offsets[i] < cache.offsets[i - 1])
      throw InputError(path + ": 'offsets' decreases at entry " + std::to_string(i));
  if (!cache.preference.empty() && cache.preference.size() != cache.ids.size())
    throw InputError(path + ": 'preference' has " + std::to_string(cache.preference.size()) + " entries, 'ids' " +
                     std::to_string(cache.ids.size()));
  for (std::size_t i = 0; i < cache.ids.size(); ++i)
    if (cache.ids[i] < 0) throw InputError(path + ": negative token id at position " + std::to_string(i));
  if (cache.max_order < 1) throw InputError(path + ": attribute 'max_order' must be >= 1");
  if (cache.window != "soft_h" && cache.window != "per_order")
    throw InputError(path + ": attribute 'window' is '" + cache.window + "', expected 'soft_h' or 'per_order'");
  return cache;
}

void write_token_cache(const std::filesystem::path& file_path, const TokenCache& cache) {
  const std::string path = file_path.string();
  SilenceHdf5Errors silence;
  Handle file = checked(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose,
                        path + ": cannot create HDF5 file");
  write_dataset(file.get(), path, "ids", H5T_STD_I64LE, H5T_NATIVE_INT64, cache.ids.data(), cache.ids.size());
  write_dataset(file.get(), path, "offsets", H5T_STD_I64LE, H5T_NATIVE_INT64, cache.offsets.data(), cache.offsets.size());
  write_dataset(file.get(), path, "preference", H5T_STD_I8LE, H5T_NATIVE_INT8, cache.preference.data(),
                cache.preference.size());
  write_int_attribute(file.get(), path, "max_order", cache.max_order);
  write_string_attribute(file.get(), path, "window", cache.window);
}

std::vector<std::filesystem::path> find_token_caches(const std::filesystem::path& run_dir) {
  const auto corpus = run_dir / "corpus";
  std::vector<std::filesystem::path> caches;
  if (!std::filesystem::is_directory(corpus)) return caches;
  for (const auto& entry : std::filesystem::directory_iterator(corpus))
    if (entry.is_regular_file() && entry.path().extension() == ".h5") caches.push_back(entry.path());
  std::sort(caches.begin(), caches.end());
  return caches;
}

}  // namespace infobound::bound
