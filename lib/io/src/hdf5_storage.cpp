#include "hdf5_storage.hpp"

#include "infobound/core/error.hpp"

namespace infobound::io {

void require_backed_by_storage(hid_t dataset, const std::vector<int64_t>& dims, const std::string& where) {
  constexpr uint64_t kMaxCompression = 1024;               // deflate on real data stays far below this
  constexpr uint64_t kAlwaysAllowed = uint64_t{64} << 20;  // datasets never written hold only fill values
  const hid_t type = H5Dget_type(dataset);
  const uint64_t element = type < 0 ? 8 : H5Tget_size(type);
  if (type >= 0) H5Tclose(type);
  uint64_t bytes = element;
  for (const int64_t extent : dims)
    if (extent < 0 || __builtin_mul_overflow(bytes, static_cast<uint64_t>(extent), &bytes))
      throw InputError(where + ": the dataset's dimensions overflow 64 bits (damaged file?)");
  const uint64_t stored = H5Dget_storage_size(dataset);
  if (bytes > kAlwaysAllowed && bytes / kMaxCompression > stored)
    throw InputError(where + ": the dataset declares " + std::to_string(bytes) + " bytes but the file stores only " +
                     std::to_string(stored) + " for it (damaged file?)");
}

}  // namespace infobound::io
