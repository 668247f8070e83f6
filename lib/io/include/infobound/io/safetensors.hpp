#pragma once
// safetensors files (https://github.com/huggingface/safetensors): an 8-byte little-endian header
// length N, N bytes of JSON {name: {dtype, shape, data_offsets}}, then the raw tensor data.
// Files are memory-mapped and the header is validated completely before any tensor is touched,
// so a truncated or corrupted file gives an error naming the file and the tensor, never a crash.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <ATen/ATen.h>

#include "infobound/io/mapped_file.hpp"
#include "infobound/io/safetensors_header.hpp"
#include "infobound/io/tensor_view.hpp"

namespace infobound::io {

// The torch type of a safetensors dtype; nullopt for the ones torch 1.13 lacks (U16, U32, U64, F8_*).
std::optional<at::ScalarType> to_scalar_type(Dtype dtype);
// Throws InputError for torch types safetensors cannot store (complex, quantised).
Dtype from_scalar_type(at::ScalarType type);

class SafetensorsFile {
 public:
  // Maps the file read-only and validates its header; throws InputError naming the file.
  static SafetensorsFile open(const std::filesystem::path& path);

  const std::filesystem::path& path() const { return path_; }
  const std::vector<TensorInfo>& tensors() const { return header_.tensors; }  // sorted by name
  const std::map<std::string, std::string>& metadata() const { return header_.metadata; }
  bool contains(std::string_view name) const { return find(name).has_value(); }
  std::optional<TensorView> find(std::string_view name) const;
  // Throws InputError "<file>: no tensor '<name>'" when absent.
  TensorView view(std::string_view name) const;
  // Views of every tensor, sorted by name (`bytes` valid while this file or a copy is alive).
  std::vector<TensorView> views() const;
  // A CPU tensor of the stored dtype. It aliases the mapping (no copy) when the data is aligned
  // for its element type, else it is a copy; writing to it never changes the file.
  at::Tensor tensor(std::string_view name) const;

 private:
  SafetensorsFile(std::filesystem::path path, std::shared_ptr<const MappedFile> mapping, SafetensorsHeader header);
  std::filesystem::path path_;
  std::shared_ptr<const MappedFile> mapping_;
  SafetensorsHeader header_;
};

// Writes tensors (any device, any layout) in the layout Hugging Face writes: tensors sorted by
// name, contiguous and without holes, header padded with spaces to a multiple of 8 bytes, and
// `metadata` as "__metadata__". Writes a temporary file beside `path` and renames it, so a
// reader never sees a half-written file. Throws InputError on duplicate or empty names.
void write_safetensors(const std::filesystem::path& path, const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                       const std::map<std::string, std::string>& metadata = {});

}  // namespace infobound::io
