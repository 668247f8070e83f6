#include "infobound/io/hdf5_tensor.hpp"

#include <ATen/ops/from_blob.h>

namespace infobound::io::h5 {
namespace {

template <typename T>
at::Tensor to_tensor(std::vector<T> values, const std::vector<int64_t>& shape, at::ScalarType type) {
  return at::from_blob(values.data(), shape, at::TensorOptions().dtype(type)).clone();
}

}  // namespace

at::Tensor read_tensor(const Group& group, const std::string& name) {
  const DatasetInfo info = group.dataset_info(name);
  std::vector<int64_t> shape;
  switch (info.element) {
    case ElementClass::floating:
      if (info.element_bytes == 4) return to_tensor(group.read_float(name, &shape), shape, at::kFloat);
      return to_tensor(group.read_double(name, &shape), shape, at::kDouble);
    case ElementClass::integer: return to_tensor(group.read_int64(name, &shape), shape, at::kLong);
    case ElementClass::string:
    case ElementClass::other: break;
  }
  throw Hdf5Error(group.file() + ": dataset '" + name + "' is neither a float nor an integer array");
}

}  // namespace infobound::io::h5
