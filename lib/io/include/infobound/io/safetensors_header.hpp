#pragma once
// The safetensors header: an 8-byte little-endian length N, then N bytes of JSON
// {name: {dtype, shape, data_offsets}, "__metadata__": {...}}. Parsing needs no torch, so the
// fuzzer (fuzz/) builds this part alone.
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace infobound::io {

// Every dtype of the safetensors format, spelled as in the header.
enum class Dtype { BOOL, U8, I8, I16, U16, F16, BF16, I32, U32, F32, F64, I64, U64, F8_E4M3, F8_E5M2 };

std::string_view dtype_name(Dtype dtype);
std::size_t dtype_size(Dtype dtype);  // bytes per element
std::optional<Dtype> parse_dtype(std::string_view name);
bool is_floating(Dtype dtype);

// One header entry; offsets are relative to the start of the data section, [begin, end).
struct TensorInfo {
  std::string name;
  Dtype dtype;
  std::vector<int64_t> shape;
  uint64_t begin = 0;
  uint64_t end = 0;
  int64_t numel() const;
};

struct SafetensorsHeader {
  std::vector<TensorInfo> tensors;              // sorted by name
  std::map<std::string, std::string> metadata;  // "__metadata__"
  uint64_t data_offset = 0;                     // 8 + header length: where the data section starts in the file
  uint64_t data_size = 0;                       // bytes of the data section
};

// The largest header accepted (the reference implementation's limit): a bigger length field is
// a corrupted or hostile file, not a model.
inline constexpr uint64_t kMaxSafetensorsHeaderBytes = 100'000'000;

// Parses and validates the header of a whole safetensors file held in `file`: length field
// sane and inside the file, JSON well-formed with no duplicate names, dtypes known, shapes
// non-negative, offsets inside the data section and equal to numel * element size, no two
// tensors overlapping. Throws InputError "<file_name>: ..." naming the offending tensor.
SafetensorsHeader parse_safetensors_header(std::span<const std::byte> file, const std::string& file_name);

}  // namespace infobound::io
