#include "infobound/io/hdf5.hpp"

#include <hdf5.h>

#include <algorithm>
#include <cstring>
#include <mutex>
#include <numeric>
#include <type_traits>

#include "hdf5_storage.hpp"

namespace infobound::io::h5 {
static_assert(std::is_same_v<hid_t, int64_t>, "lib/io stores hid_t as int64_t");

namespace {

// Turn off HDF5's own printing of error stacks: we collect them into exceptions.
void silence_hdf5_once() {
  static std::once_flag once;
  std::call_once(once, [] { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); });
}

herr_t collect_error(unsigned depth, const H5E_error2_t* error, void* data) {
  auto* text = static_cast<std::string*>(data);
  if (depth > 6) return 0;
  *text += std::string(text->empty() ? "" : "; ") + (error->func_name ? error->func_name : "?") + ": " +
           (error->desc ? error->desc : "");
  return 0;
}

[[noreturn]] void fail(const std::string& what) {
  std::string stack;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, collect_error, &stack);
  H5Eclear2(H5E_DEFAULT);
  throw Hdf5Error(what + (stack.empty() ? "" : " (HDF5: " + stack + ")"));
}

hid_t check_id(hid_t id, const std::string& what) {
  if (id < 0) fail(what);
  return id;
}

void check(herr_t status, const std::string& what) {
  if (status < 0) fail(what);
}

Handle make(hid_t id, Handle::Kind kind, const std::string& what) { return Handle(check_id(id, what), kind); }

Handle dataspace(const std::vector<int64_t>& shape) {
  std::vector<hsize_t> dims(shape.begin(), shape.end());
  if (dims.empty()) return make(H5Screate(H5S_SCALAR), Handle::Kind::dataspace, "H5Screate");
  return make(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), Handle::Kind::dataspace, "H5Screate_simple");
}

Handle utf8_string_type() {
  Handle type = make(H5Tcopy(H5T_C_S1), Handle::Kind::datatype, "H5Tcopy");
  check(H5Tset_size(type.get(), H5T_VARIABLE), "H5Tset_size");
  check(H5Tset_cset(type.get(), H5T_CSET_UTF8), "H5Tset_cset");
  return type;
}

std::size_t element_count(const std::vector<int64_t>& shape) {
  return std::accumulate(shape.begin(), shape.end(), std::size_t{1},
                         [](std::size_t a, int64_t b) { return a * static_cast<std::size_t>(b); });
}

}  // namespace

Handle::Handle(Handle&& other) noexcept : id_(other.id_), kind_(other.kind_) { other.id_ = -1; }

Handle& Handle::operator=(Handle&& other) noexcept {
  if (this != &other) {
    reset();
    id_ = other.id_;
    kind_ = other.kind_;
    other.id_ = -1;
  }
  return *this;
}

Handle::~Handle() { reset(); }

void Handle::reset() noexcept {
  if (id_ < 0) return;
  switch (kind_) {
    case Kind::file: H5Fclose(id_); break;
    case Kind::group: H5Gclose(id_); break;
    case Kind::dataset: H5Dclose(id_); break;
    case Kind::dataspace: H5Sclose(id_); break;
    case Kind::datatype: H5Tclose(id_); break;
    case Kind::attribute: H5Aclose(id_); break;
    case Kind::plist: H5Pclose(id_); break;
    case Kind::none: break;
  }
  id_ = -1;
}

std::string Group::where(const std::string& name) const {
  return file_ + ": " + (path_ == "/" ? "/" + name : path_ + "/" + name);
}

Group Group::create_group(const std::string& name) {
  Handle g = make(H5Gcreate2(handle_.get(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), Handle::Kind::group,
                  where(name) + ": cannot create group");
  return Group(std::move(g), path_ == "/" ? "/" + name : path_ + "/" + name, file_);
}

Group Group::open_group(const std::string& name) const {
  if (!has(name)) throw Hdf5Error(where(name) + ": group missing");
  Handle g = make(H5Gopen2(handle_.get(), name.c_str(), H5P_DEFAULT), Handle::Kind::group, where(name) + ": cannot open group");
  return Group(std::move(g), path_ == "/" ? "/" + name : path_ + "/" + name, file_);
}

bool Group::has(const std::string& name) const {
  // H5Lexists fails (rather than answering false) when a parent of a nested path is missing.
  if (name.empty() || name == "/") return true;
  for (std::size_t slash = name.find('/', name[0] == '/' ? 1 : 0);; slash = name.find('/', slash + 1)) {
    const std::string prefix = name.substr(0, slash);
    const htri_t exists = H5Lexists(handle_.get(), prefix.c_str(), H5P_DEFAULT);
    if (exists < 0) fail(where(prefix) + ": cannot check for the link");
    if (exists == 0) return false;
    if (slash == std::string::npos) return true;
  }
}

std::vector<std::string> Group::children() const {
  H5G_info_t info{};
  check(H5Gget_info(handle_.get(), &info), file_ + ": " + path_ + ": cannot list group");
  std::vector<std::string> names;
  for (hsize_t i = 0; i < info.nlinks; ++i) {
    const ssize_t size = H5Lget_name_by_idx(handle_.get(), ".", H5_INDEX_NAME, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT);
    if (size < 0) fail(file_ + ": " + path_ + ": cannot read link name");
    std::string name(static_cast<std::size_t>(size), '\0');
    H5Lget_name_by_idx(handle_.get(), ".", H5_INDEX_NAME, H5_ITER_INC, i, name.data(), name.size() + 1, H5P_DEFAULT);
    names.push_back(name);
  }
  return names;
}

bool Group::has_attribute(const std::string& name) const {
  const htri_t exists = H5Aexists(handle_.get(), name.c_str());
  if (exists < 0) fail(where(name) + ": cannot check for the attribute");
  return exists > 0;
}

namespace {
void write_attribute(hid_t object, const std::string& name, hid_t type, const Handle& space, const void* data,
                     const std::string& what) {
  if (H5Aexists(object, name.c_str()) > 0) check(H5Adelete(object, name.c_str()), what + ": cannot replace attribute");
  Handle attribute = make(H5Acreate2(object, name.c_str(), type, space.get(), H5P_DEFAULT, H5P_DEFAULT), Handle::Kind::attribute,
                          what + ": cannot create attribute");
  check(H5Awrite(attribute.get(), type, data), what + ": cannot write attribute");
}
}  // namespace

void Group::set_attribute(const std::string& name, int64_t value) {
  write_attribute(handle_.get(), name, H5T_NATIVE_INT64, dataspace({}), &value, where(name));
}

void Group::set_attribute(const std::string& name, double value) {
  write_attribute(handle_.get(), name, H5T_NATIVE_DOUBLE, dataspace({}), &value, where(name));
}

void Group::set_attribute(const std::string& name, const std::string& value) {
  const Handle type = utf8_string_type();
  const char* pointer = value.c_str();
  write_attribute(handle_.get(), name, type.get(), dataspace({}), &pointer, where(name));
}

void Group::set_attribute(const std::string& name, std::span<const int64_t> values) {
  write_attribute(handle_.get(), name, H5T_NATIVE_INT64, dataspace({static_cast<int64_t>(values.size())}), values.data(),
                  where(name));
}

namespace {
Handle open_attribute(hid_t object, const std::string& name, const std::string& what) {
  const htri_t exists = H5Aexists(object, name.c_str());
  if (exists <= 0) throw Hdf5Error(what + ": attribute missing");
  return make(H5Aopen(object, name.c_str(), H5P_DEFAULT), Handle::Kind::attribute, what + ": cannot open attribute");
}

hssize_t attribute_points(const Handle& attribute, const std::string& what) {
  Handle space = make(H5Aget_space(attribute.get()), Handle::Kind::dataspace, what);
  const hssize_t n = H5Sget_simple_extent_npoints(space.get());
  if (n < 0) fail(what);
  return n;
}
}  // namespace

int64_t Group::int_attribute(const std::string& name) const {
  const Handle a = open_attribute(handle_.get(), name, where(name));
  if (attribute_points(a, where(name)) != 1) throw Hdf5Error(where(name) + ": expected a scalar attribute");
  int64_t value = 0;
  check(H5Aread(a.get(), H5T_NATIVE_INT64, &value), where(name) + ": cannot read attribute as an integer");
  return value;
}

double Group::double_attribute(const std::string& name) const {
  const Handle a = open_attribute(handle_.get(), name, where(name));
  if (attribute_points(a, where(name)) != 1) throw Hdf5Error(where(name) + ": expected a scalar attribute");
  double value = 0;
  check(H5Aread(a.get(), H5T_NATIVE_DOUBLE, &value), where(name) + ": cannot read attribute as a number");
  return value;
}

std::string Group::string_attribute(const std::string& name) const {
  const Handle a = open_attribute(handle_.get(), name, where(name));
  Handle file_type = make(H5Aget_type(a.get()), Handle::Kind::datatype, where(name));
  if (H5Tget_class(file_type.get()) != H5T_STRING) throw Hdf5Error(where(name) + ": expected a string attribute");
  if (H5Tis_variable_str(file_type.get()) > 0) {
    const Handle type = utf8_string_type();
    char* pointer = nullptr;
    check(H5Aread(a.get(), type.get(), &pointer), where(name) + ": cannot read string attribute");
    std::string value = pointer ? pointer : "";
    H5free_memory(pointer);
    return value;
  }
  const std::size_t size = H5Tget_size(file_type.get());
  std::string value(size, '\0');
  check(H5Aread(a.get(), file_type.get(), value.data()), where(name) + ": cannot read string attribute");
  value.resize(std::strlen(value.c_str()));
  return value;
}

std::vector<int64_t> Group::int_array_attribute(const std::string& name) const {
  const Handle a = open_attribute(handle_.get(), name, where(name));
  std::vector<int64_t> values(static_cast<std::size_t>(attribute_points(a, where(name))));
  check(H5Aread(a.get(), H5T_NATIVE_INT64, values.data()), where(name) + ": cannot read attribute");
  return values;
}

void Group::write_raw(const std::string& name, int64_t mem_type, int64_t file_type, const void* data, std::size_t count,
                      const std::vector<int64_t>& shape) {
  if (element_count(shape) != count) throw std::logic_error(where(name) + ": shape does not match data size");
  const Handle space = dataspace(shape);
  Handle create = make(H5Pcreate(H5P_DATASET_CREATE), Handle::Kind::plist, "H5Pcreate");
  if (count >= 4096 && !shape.empty()) {
    // Chunks of about 64k elements along the first dimension keep compression cheap.
    std::vector<hsize_t> chunk(shape.begin(), shape.end());
    const std::size_t row = count / static_cast<std::size_t>(shape[0]);
    chunk[0] = std::max<hsize_t>(1, std::min<hsize_t>(chunk[0], 65536 / std::max<std::size_t>(row, 1)));
    check(H5Pset_chunk(create.get(), static_cast<int>(chunk.size()), chunk.data()), where(name) + ": H5Pset_chunk");
    check(H5Pset_shuffle(create.get()), where(name) + ": H5Pset_shuffle");
    check(H5Pset_deflate(create.get(), 1), where(name) + ": H5Pset_deflate");
  }
  Handle dataset = make(H5Dcreate2(handle_.get(), name.c_str(), file_type, space.get(), H5P_DEFAULT, create.get(), H5P_DEFAULT),
                        Handle::Kind::dataset, where(name) + ": cannot create dataset");
  if (count > 0)
    check(H5Dwrite(dataset.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), where(name) + ": cannot write dataset");
}

void Group::write(const std::string& name, std::span<const int64_t> data, const std::vector<int64_t>& shape) {
  write_raw(name, H5T_NATIVE_INT64, H5T_STD_I64LE, data.data(), data.size(), shape);
}
void Group::write(const std::string& name, std::span<const double> data, const std::vector<int64_t>& shape) {
  write_raw(name, H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, data.data(), data.size(), shape);
}
void Group::write(const std::string& name, std::span<const int8_t> data, const std::vector<int64_t>& shape) {
  write_raw(name, H5T_NATIVE_INT8, H5T_STD_I8LE, data.data(), data.size(), shape);
}
void Group::write(const std::string& name, std::span<const float> data, const std::vector<int64_t>& shape) {
  write_raw(name, H5T_NATIVE_FLOAT, H5T_IEEE_F32LE, data.data(), data.size(), shape);
}

void Group::write_strings(const std::string& name, const std::vector<std::string>& values) {
  const Handle type = utf8_string_type();
  std::vector<const char*> pointers;
  for (const auto& v : values) pointers.push_back(v.c_str());
  const Handle space = dataspace({static_cast<int64_t>(values.size())});
  Handle dataset = make(H5Dcreate2(handle_.get(), name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                        Handle::Kind::dataset, where(name) + ": cannot create dataset");
  if (!values.empty())
    check(H5Dwrite(dataset.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, pointers.data()),
          where(name) + ": cannot write dataset");
}

Handle Group::open_dataset(const std::string& name) const {
  if (!has(name)) throw Hdf5Error(where(name) + ": dataset missing");
  return make(H5Dopen2(handle_.get(), name.c_str(), H5P_DEFAULT), Handle::Kind::dataset, where(name) + ": cannot open dataset");
}

std::vector<int64_t> Group::dataset_shape(const std::string& name) const {
  const Handle dataset = open_dataset(name);
  const Handle space = make(H5Dget_space(dataset.get()), Handle::Kind::dataspace, where(name));
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank < 0) fail(where(name) + ": cannot read shape");
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  check(H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr), where(name) + ": cannot read shape");
  std::vector<int64_t> shape(dims.begin(), dims.end());
  require_backed_by_storage(dataset.get(), shape, where(name));
  return shape;
}

DatasetInfo Group::dataset_info(const std::string& name) const {
  DatasetInfo info;
  info.shape = dataset_shape(name);
  const Handle dataset = open_dataset(name);
  const Handle type = make(H5Dget_type(dataset.get()), Handle::Kind::datatype, where(name) + ": cannot read the type");
  const H5T_class_t type_class = H5Tget_class(type.get());
  info.element = type_class == H5T_INTEGER  ? ElementClass::integer
                 : type_class == H5T_FLOAT  ? ElementClass::floating
                 : type_class == H5T_STRING ? ElementClass::string
                                            : ElementClass::other;
  info.element_bytes = H5Tget_size(type.get());
  return info;
}

void Group::link(const std::string& target, const std::string& name) {
  check(H5Lcreate_hard(handle_.get(), target.c_str(), handle_.get(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT),
        where(name) + ": cannot link to " + target);
}

void Group::read_raw(const std::string& name, int64_t mem_type, void* out, std::size_t count) const {
  const Handle dataset = open_dataset(name);
  if (count > 0)
    check(H5Dread(dataset.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, out), where(name) + ": cannot read dataset");
}

std::vector<int64_t> Group::read_int64(const std::string& name, std::vector<int64_t>* shape) const {
  const auto dims = dataset_shape(name);
  std::vector<int64_t> data(element_count(dims));
  read_raw(name, H5T_NATIVE_INT64, data.data(), data.size());
  if (shape) *shape = dims;
  return data;
}

std::vector<double> Group::read_double(const std::string& name, std::vector<int64_t>* shape) const {
  const auto dims = dataset_shape(name);
  std::vector<double> data(element_count(dims));
  read_raw(name, H5T_NATIVE_DOUBLE, data.data(), data.size());
  if (shape) *shape = dims;
  return data;
}

std::vector<int8_t> Group::read_int8(const std::string& name, std::vector<int64_t>* shape) const {
  const auto dims = dataset_shape(name);
  std::vector<int8_t> data(element_count(dims));
  read_raw(name, H5T_NATIVE_INT8, data.data(), data.size());
  if (shape) *shape = dims;
  return data;
}

std::vector<float> Group::read_float(const std::string& name, std::vector<int64_t>* shape) const {
  const auto dims = dataset_shape(name);
  std::vector<float> data(element_count(dims));
  read_raw(name, H5T_NATIVE_FLOAT, data.data(), data.size());
  if (shape) *shape = dims;
  return data;
}

std::vector<std::string> Group::read_strings(const std::string& name) const {
  const auto dims = dataset_shape(name);
  const std::size_t n = element_count(dims);
  const Handle type = utf8_string_type();
  std::vector<char*> pointers(n, nullptr);
  read_raw(name, type.get(), pointers.data(), n);
  std::vector<std::string> values;
  for (char* p : pointers) {
    values.emplace_back(p ? p : "");
    H5free_memory(p);
  }
  return values;
}

File::File(Handle file, Group root, std::filesystem::path path)
    : file_(std::move(file)), root_(std::move(root)), path_(std::move(path)) {}

File::~File() = default;

namespace {
Handle access_properties() {
  Handle fapl = make(H5Pcreate(H5P_FILE_ACCESS), Handle::Kind::plist, "H5Pcreate");
  // Keep locking, but do not fail where the file system cannot lock (NFS, Lustre);
  // HDF5_USE_FILE_LOCKING in the environment overrides this inside HDF5.
  check(H5Pset_file_locking(fapl.get(), true, true), "H5Pset_file_locking");
  // Closing the file must really close it (unit files are renamed right after).
  check(H5Pset_fclose_degree(fapl.get(), H5F_CLOSE_STRONG), "H5Pset_fclose_degree");
  return fapl;
}
}  // namespace

File File::create(const std::filesystem::path& path) {
  silence_hdf5_once();
  const Handle fapl = access_properties();
  Handle file = make(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get()), Handle::Kind::file,
                     path.string() + ": cannot create HDF5 file");
  Handle root = make(H5Gopen2(file.get(), "/", H5P_DEFAULT), Handle::Kind::group, path.string() + ": cannot open root group");
  Group group(std::move(root), "/", path.string());
  return File(std::move(file), std::move(group), path);
}

File File::open_read_only(const std::filesystem::path& path) {
  silence_hdf5_once();
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) throw Hdf5Error(path.string() + ": file not found");
  const Handle fapl = access_properties();
  Handle file = make(H5Fopen(path.c_str(), H5F_ACC_RDONLY, fapl.get()), Handle::Kind::file,
                     path.string() + ": cannot open HDF5 file (truncated or not HDF5?)");
  Handle root = make(H5Gopen2(file.get(), "/", H5P_DEFAULT), Handle::Kind::group, path.string() + ": cannot open root group");
  Group group(std::move(root), "/", path.string());
  return File(std::move(file), std::move(group), path);
}

void File::close() {
  if (!file_.valid()) return;
  root_ = Group(Handle(), "/", path_.string());
  check(H5Fflush(file_.get(), H5F_SCOPE_GLOBAL), path_.string() + ": cannot flush");
  // Close explicitly to surface errors (a destructor could only swallow them).
  check(H5Fclose(file_.release()), path_.string() + ": cannot close");
}

}  // namespace infobound::io::h5
