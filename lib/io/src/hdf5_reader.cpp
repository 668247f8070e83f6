#include "infobound/io/hdf5_reader.hpp"

#include <hdf5.h>

#include <algorithm>

#include "infobound/core/error.hpp"
#include "hdf5_storage.hpp"

namespace infobound::io {
namespace {

// HDF5 prints its error stack to stderr unless told not to; we report through exceptions instead.
struct SilenceHdf5 {
  SilenceHdf5() { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }
};
const SilenceHdf5 silence_hdf5;

// Closes an HDF5 identifier with the right function when it goes out of scope.
class Handle {
 public:
  Handle(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  ~Handle() {
    if (id_ >= 0) close_(id_);
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }

 private:
  hid_t id_;
  herr_t (*close_)(hid_t);
};

}  // namespace

Hdf5Reader::Hdf5Reader(const std::filesystem::path& path) : path_(path) {
  if (!std::filesystem::exists(path)) throw InputError(path.string() + ": no such file");
  file_ = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (file_ < 0) throw InputError(path.string() + ": not a readable HDF5 file");
}

Hdf5Reader::~Hdf5Reader() { H5Fclose(file_); }

bool Hdf5Reader::has(const std::string& name) const {
  if (name.empty() || name == "/") return true;
  std::size_t start = name[0] == '/' ? 1 : 0;
  while (true) {
    const auto slash = name.find('/', start);
    const std::string prefix = name.substr(0, slash);
    if (H5Lexists(file_, prefix.c_str(), H5P_DEFAULT) <= 0) return false;
    if (slash == std::string::npos) return true;
    start = slash + 1;
  }
}

bool Hdf5Reader::has_attribute(const std::string& object, const std::string& attribute) const {
  return has(object) && H5Aexists_by_name(file_, object.c_str(), attribute.c_str(), H5P_DEFAULT) > 0;
}

std::vector<std::string> Hdf5Reader::children(const std::string& group) const {
  const Handle id(H5Gopen2(file_, group.c_str(), H5P_DEFAULT), H5Gclose);
  if (!id.valid()) throw InputError(path_.string() + ": no group '" + group + "'");
  H5G_info_t info;
  H5Gget_info(id.get(), &info);
  std::vector<std::string> names;
  for (hsize_t i = 0; i < info.nlinks; ++i) {
    const ssize_t length = H5Lget_name_by_idx(id.get(), ".", H5_INDEX_NAME, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT);
    std::string name(static_cast<size_t>(length), '\0');
    H5Lget_name_by_idx(id.get(), ".", H5_INDEX_NAME, H5_ITER_INC, i, name.data(), name.size() + 1, H5P_DEFAULT);
    names.push_back(name);
  }
  return names;
}

std::vector<int64_t> Hdf5Reader::shape(const std::string& name) const {
  const Handle dataset(has(name) ? H5Dopen2(file_, name.c_str(), H5P_DEFAULT) : -1, H5Dclose);
  if (!dataset.valid()) throw InputError(path_.string() + ": missing dataset '" + name + "'");
  const Handle space(H5Dget_space(dataset.get()), H5Sclose);
  const int rank = H5Sget_simple_extent_ndims(space.get());
  std::vector<hsize_t> dims(static_cast<std::size_t>(std::max(rank, 0)));
  if (rank < 0 || H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr) < 0)
    throw InputError(path_.string() + ": cannot read the shape of dataset '" + name + "'");
  std::vector<int64_t> shape(dims.begin(), dims.end());
  require_backed_by_storage(dataset.get(), shape, path_.string() + ": dataset '" + name + "'");
  return shape;
}

bool Hdf5Reader::is_float(const std::string& name) const {
  const Handle dataset(has(name) ? H5Dopen2(file_, name.c_str(), H5P_DEFAULT) : -1, H5Dclose);
  if (!dataset.valid()) throw InputError(path_.string() + ": missing dataset '" + name + "'");
  const Handle type(H5Dget_type(dataset.get()), H5Tclose);
  return H5Tget_class(type.get()) == H5T_FLOAT;
}

at::Tensor Hdf5Reader::dataset(const std::string& name) const {
  const std::vector<int64_t> dims = shape(name);
  const Handle dataset(H5Dopen2(file_, name.c_str(), H5P_DEFAULT), H5Dclose);
  const Handle type(H5Dget_type(dataset.get()), H5Tclose);
  const H5T_class_t type_class = H5Tget_class(type.get());
  at::Tensor out;
  hid_t memory_type;
  if (type_class == H5T_FLOAT && H5Tget_size(type.get()) == 4) {
    out = at::empty(dims, at::kFloat);
    memory_type = H5T_NATIVE_FLOAT;
  } else if (type_class == H5T_FLOAT) {
    out = at::empty(dims, at::kDouble);
    memory_type = H5T_NATIVE_DOUBLE;
  } else if (type_class == H5T_INTEGER) {
    out = at::empty(dims, at::kLong);
    memory_type = H5T_NATIVE_INT64;
  } else {
    throw InputError(path_.string() + ": dataset '" + name + "' is neither numeric nor integer");
  }
  if (H5Dread(dataset.get(), memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data_ptr()) < 0)
    throw InputError(path_.string() + ": cannot read dataset '" + name + "'");
  return out;
}

namespace {
hid_t open_attribute(hid_t file, const std::filesystem::path& path, const std::string& object, const std::string& attribute) {
  const hid_t id = H5Aopen_by_name(file, object.c_str(), attribute.c_str(), H5P_DEFAULT, H5P_DEFAULT);
  if (id < 0) throw InputError(path.string() + ": missing attribute '" + attribute + "' on '" + object + "'");
  return id;
}
}  // namespace

double Hdf5Reader::attribute_double(const std::string& object, const std::string& attribute) const {
  const Handle id(open_attribute(file_, path_, object, attribute), H5Aclose);
  double value = 0;
  if (H5Aread(id.get(), H5T_NATIVE_DOUBLE, &value) < 0)
    throw InputError(path_.string() + ": attribute '" + attribute + "' is not a number");
  return value;
}

int64_t Hdf5Reader::attribute_int(const std::string& object, const std::string& attribute) const {
  const Handle id(open_attribute(file_, path_, object, attribute), H5Aclose);
  const Handle type(H5Aget_type(id.get()), H5Tclose);
  if (H5Tget_class(type.get()) != H5T_INTEGER)
    throw InputError(path_.string() + ": attribute '" + attribute + "' must be an integer");
  int64_t value = 0;
  H5Aread(id.get(), H5T_NATIVE_INT64, &value);
  return value;
}

std::vector<int64_t> Hdf5Reader::attribute_int_array(const std::string& object, const std::string& attribute) const {
  const Handle id(open_attribute(file_, path_, object, attribute), H5Aclose);
  const Handle space(H5Aget_space(id.get()), H5Sclose);
  std::vector<int64_t> values(static_cast<size_t>(H5Sget_simple_extent_npoints(space.get())));
  if (H5Aread(id.get(), H5T_NATIVE_INT64, values.data()) < 0)
    throw InputError(path_.string() + ": attribute '" + attribute + "' is not an integer array");
  return values;
}

std::string Hdf5Reader::attribute_string(const std::string& object, const std::string& attribute) const {
  const Handle id(open_attribute(file_, path_, object, attribute), H5Aclose);
  const Handle type(H5Aget_type(id.get()), H5Tclose);
  if (H5Tget_class(type.get()) != H5T_STRING)
    throw InputError(path_.string() + ": attribute '" + attribute + "' must be a string");
  if (H5Tis_variable_str(type.get()) > 0) {
    const Handle memory_type(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(memory_type.get(), H5T_VARIABLE);
    H5Tset_cset(memory_type.get(), H5Tget_cset(type.get()));
    char* text = nullptr;
    H5Aread(id.get(), memory_type.get(), &text);
    std::string value = text ? text : "";
    H5free_memory(text);
    return value;
  }
  std::string value(H5Tget_size(type.get()), '\0');
  H5Aread(id.get(), type.get(), value.data());
  return value.c_str();
}

}  // namespace infobound::io
