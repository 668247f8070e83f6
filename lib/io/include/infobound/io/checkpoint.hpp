#pragma once
// The weights of a Hugging Face model directory, in the first layout found of:
//   model.safetensors | model.safetensors.index.json (safetensors shards)
//   pytorch_model.bin | pytorch_model.bin.index.json (torch.save shards, read without running pickle code)
// An index is {"metadata": {...}, "weight_map": {tensor: shard file}}. Safetensors wins when a
// directory holds both (it is the format HF itself prefers, and needs no unpickling).
#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "infobound/io/tensor_view.hpp"

namespace infobound::io {

class Checkpoint {
 public:
  // Opens and validates every file (headers or pickles, and that the index and the shards
  // agree). Throws InputError naming the directory when it holds none of the layouts.
  static Checkpoint open(const std::filesystem::path& dir);

  const std::filesystem::path& dir() const { return dir_; }
  std::optional<TensorView> find(std::string_view name) const;
  // The file that holds `name` (for error messages); empty when absent.
  std::filesystem::path file_of(std::string_view name) const;
  std::vector<std::string> names() const;  // sorted
  std::set<Dtype> dtypes() const;
  // "model.safetensors", "pytorch_model.bin.index.json", ...: what a message should point at.
  std::string description() const;

 private:
  struct Shard {
    std::filesystem::path path;
    std::vector<TensorView> views;      // sorted by name
    std::shared_ptr<const void> owner;  // keeps the mapping behind `views` alive
  };
  static Shard open_shard(const std::filesystem::path& path, bool pytorch_bin);
  std::filesystem::path dir_;
  std::vector<Shard> shards_;
  std::string description_;
};

// SHA-256 identifying a checkpoint's weights independently of file layout: over every stored
// tensor in name order, its name, dtype, shape and bytes (docs/interfaces.md gives the exact
// encoding). Sharding and the file format do not change it; a different set of stored tensors
// (a .bin that stores a tied lm_head.weight its safetensors twin omits) or dtype does.
std::string weights_digest(const Checkpoint& checkpoint);

}  // namespace infobound::io
