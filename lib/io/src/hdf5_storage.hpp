#pragma once
// Dimensions of a stored dataset are checked against the bytes the file holds for it before a
// reader allocates them: a damaged header could otherwise declare terabytes.
#include <hdf5.h>

#include <cstdint>
#include <string>
#include <vector>

namespace infobound::io {

// Throws InputError "<where>: ..." when `dims` overflow 64 bits, or when the dataset declares more
// bytes than its storage can expand to (kMaxCompression times its stored size, at least 64 MiB).
void require_backed_by_storage(hid_t dataset, const std::vector<int64_t>& dims, const std::string& where);

}  // namespace infobound::io
