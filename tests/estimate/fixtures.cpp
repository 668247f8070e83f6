#include "fixtures.hpp"

#include <hdf5.h>

#include <stdexcept>

std::filesystem::path fixture_path(const std::string& relative) {
  return std::filesystem::path(INFOBOUND_SHARED_DIR) / "fixtures" / relative;
}

bool fixtures_present() { return std::filesystem::exists(fixture_path("soft_entropy/calibration.csv")); }

namespace {
void check(bool ok, const std::string& what) {
  if (!ok) throw std::runtime_error("fixture HDF5: " + what);
}
}  // namespace

FixtureFile::FixtureFile(const std::filesystem::path& path) {
  file_ = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  check(file_ >= 0, "cannot open " + path.string());
}

FixtureFile::~FixtureFile() { H5Fclose(file_); }

bool FixtureFile::has(const std::string& name) const {
  // Walk the path so that a missing intermediate group is not an error.
  std::string prefix;
  std::size_t start = 0;
  while (start <= name.size()) {
    const auto slash = name.find('/', start);
    prefix = name.substr(0, slash);
    if (H5Lexists(file_, prefix.c_str(), H5P_DEFAULT) <= 0) return false;
    if (slash == std::string::npos) return true;
    start = slash + 1;
  }
  return true;
}

at::Tensor FixtureFile::tensor(const std::string& name) const {
  const hid_t dataset = H5Dopen2(file_, name.c_str(), H5P_DEFAULT);
  check(dataset >= 0, "no dataset " + name);
  const hid_t space = H5Dget_space(dataset);
  const int rank = H5Sget_simple_extent_ndims(space);
  std::vector<hsize_t> dims(rank);
  H5Sget_simple_extent_dims(space, dims.data(), nullptr);
  std::vector<int64_t> shape(dims.begin(), dims.end());
  const hid_t type = H5Dget_type(dataset);
  const H5T_class_t type_class = H5Tget_class(type);
  at::Tensor out;
  if (type_class == H5T_FLOAT && H5Tget_size(type) == 4) {
    out = at::empty(shape, at::kFloat);
    check(H5Dread(dataset, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data_ptr()) >= 0, "read " + name);
  } else if (type_class == H5T_FLOAT) {
    out = at::empty(shape, at::kDouble);
    check(H5Dread(dataset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data_ptr()) >= 0, "read " + name);
  } else {
    out = at::empty(shape, at::kLong);
    check(H5Dread(dataset, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data_ptr()) >= 0, "read " + name);
  }
  H5Tclose(type);
  H5Sclose(space);
  H5Dclose(dataset);
  return out;
}

double FixtureFile::scalar(const std::string& name) const { return tensor(name).to(at::kDouble).item<double>(); }

namespace {
hid_t open_attribute(hid_t file, const std::string& name) {
  const auto slash = name.rfind('/');
  const std::string object = slash == std::string::npos ? "/" : name.substr(0, slash);
  const std::string attribute = slash == std::string::npos ? name : name.substr(slash + 1);
  const hid_t id = H5Aopen_by_name(file, object.empty() ? "/" : object.c_str(), attribute.c_str(), H5P_DEFAULT, H5P_DEFAULT);
  check(id >= 0, "no attribute " + name);
  return id;
}
}  // namespace

double FixtureFile::attr_double(const std::string& name) const {
  const hid_t attribute = open_attribute(file_, name);
  double value = 0;
  H5Aread(attribute, H5T_NATIVE_DOUBLE, &value);
  H5Aclose(attribute);
  return value;
}

int64_t FixtureFile::attr_int(const std::string& name) const {
  const hid_t attribute = open_attribute(file_, name);
  int64_t value = 0;
  H5Aread(attribute, H5T_NATIVE_INT64, &value);
  H5Aclose(attribute);
  return value;
}

std::vector<int64_t> FixtureFile::attr_int_array(const std::string& name) const {
  const hid_t attribute = open_attribute(file_, name);
  const hid_t space = H5Aget_space(attribute);
  std::vector<int64_t> values(H5Sget_simple_extent_npoints(space));
  H5Aread(attribute, H5T_NATIVE_INT64, values.data());
  H5Sclose(space);
  H5Aclose(attribute);
  return values;
}

std::string FixtureFile::attr_string(const std::string& name) const {
  const hid_t attribute = open_attribute(file_, name);
  const hid_t type = H5Aget_type(attribute);
  std::string value;
  if (H5Tis_variable_str(type) > 0) {
    char* text = nullptr;
    const hid_t memtype = H5Tcopy(H5T_C_S1);
    H5Tset_size(memtype, H5T_VARIABLE);
    H5Tset_cset(memtype, H5Tget_cset(type));
    H5Aread(attribute, memtype, &text);
    value = text ? text : "";
    H5free_memory(text);
    H5Tclose(memtype);
  } else {
    value.resize(H5Tget_size(type));
    H5Aread(attribute, type, value.data());
    value = value.c_str();
  }
  H5Tclose(type);
  H5Aclose(attribute);
  return value;
}

std::vector<std::string> FixtureFile::children(const std::string& group) const {
  const hid_t id = H5Gopen2(file_, group.c_str(), H5P_DEFAULT);
  check(id >= 0, "no group " + group);
  H5G_info_t info;
  H5Gget_info(id, &info);
  std::vector<std::string> names;
  for (hsize_t i = 0; i < info.nlinks; ++i) {
    char buffer[512];
    H5Lget_name_by_idx(id, ".", H5_INDEX_NAME, H5_ITER_INC, i, buffer, sizeof buffer, H5P_DEFAULT);
    names.emplace_back(buffer);
  }
  H5Gclose(id);
  return names;
}
