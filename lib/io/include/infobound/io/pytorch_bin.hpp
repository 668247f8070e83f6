#pragma once
// PyTorch checkpoints as torch.save writes them (pytorch_model.bin): the zip format (torch >=
// 1.6: <archive>/data.pkl plus one stored entry per storage, <archive>/data/<key>) and the legacy
// format (a magic-number pickle, the protocol version, the system info, the state-dict pickle,
// the list of storage keys, then each storage as an int64 element count and its bytes). The
// state dict is read by the restricted unpickler (pytorch_pickle.hpp): no pickle code runs, and
// a file naming any other global is refused. Files are memory-mapped and every tensor is checked
// to lie inside its storage, and every storage inside the file, before any is used. Torch-free.
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "infobound/io/mapped_file.hpp"
#include "infobound/io/tensor_view.hpp"

namespace infobound::io {

// The tensors of a whole .bin file held in `file`, sorted by name; their bytes lie inside `file`.
// Throws InputError "<file_name>: ..." naming the tensor, storage, global or opcode at fault. A
// tensor must be contiguous (what state_dict() saves); a strided view is refused with a message.
std::vector<TensorView> parse_pytorch_bin(std::span<const std::byte> file, const std::string& file_name);

class PytorchBinFile {
 public:
  static PytorchBinFile open(const std::filesystem::path& path);

  const std::filesystem::path& path() const { return path_; }
  const std::vector<TensorView>& views() const { return views_; }  // sorted by name
  std::optional<TensorView> find(std::string_view name) const;

 private:
  std::filesystem::path path_;
  std::shared_ptr<const MappedFile> mapping_;
  std::vector<TensorView> views_;
};

}  // namespace infobound::io
