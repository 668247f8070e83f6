#pragma once
// The weights of a Hugging Face model directory: model.safetensors, or the shards listed by
// model.safetensors.index.json ({"metadata": {...}, "weight_map": {tensor: shard file}}).
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "infobound/io/safetensors.hpp"

namespace infobound::io {

class SafetensorsCheckpoint {
 public:
  // Opens and validates every file (headers, and that the index and the shards agree).
  // Throws InputError naming the directory when it holds neither layout.
  static SafetensorsCheckpoint open(const std::filesystem::path& dir);

  const std::filesystem::path& dir() const { return dir_; }
  std::optional<TensorView> find(std::string_view name) const;
  // The file that holds `name` (for error messages); empty when absent.
  std::filesystem::path file_of(std::string_view name) const;
  std::vector<std::string> names() const;  // sorted
  std::set<Dtype> dtypes() const;
  // "model.safetensors" or "model.safetensors.index.json": what a message should point at.
  std::string description() const;

 private:
  std::filesystem::path dir_;
  std::vector<SafetensorsFile> files_;
  std::string description_;
};

}  // namespace infobound::io
