#pragma once
// A restricted unpickler for what torch.save writes: it interprets the pickle opcodes that build
// plain values (numbers, strings, tuples, lists, dicts) and admits only the globals that rebuild
// tensors (torch._utils._rebuild_tensor_v2 and kin, the torch.*Storage types) and ordered dicts
// (collections.OrderedDict). It executes no pickle code: a global is a tag, never imported or
// called. Anything else (os.system, builtins.eval, arbitrary classes, NEWOBJ, INST, ...) is
// refused with InputError naming the global or opcode and the file. Torch-free, so the fuzzer
// (fuzz/) builds it alone.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "infobound/io/safetensors_header.hpp"

namespace infobound::io {

// A storage that torch.save wrote outside the pickle (the persistent id
// ('storage', torch.<Type>Storage, key, location, numel)).
struct PickledStorage {
  std::string key;
  Dtype dtype;
  uint64_t numel = 0;  // elements, as declared
};

// A tensor rebuilt by _rebuild_tensor_v2: a strided view into a storage.
struct PickledTensor {
  PickledStorage storage;
  int64_t offset = 0;  // in elements
  std::vector<int64_t> shape;
  std::vector<int64_t> stride;
};

// The values a weights pickle can hold. Containers and strings refer to the arenas of Pickle
// by index, so memo references and DUP never copy and cycles cannot leak.
struct PickleValue {
  enum class Kind { none, boolean, integer, big_integer, floating, string, bytes, list, tuple, dict, tensor, storage, global };
  Kind kind = Kind::none;
  int64_t integer = 0;  // boolean, integer; arena index for the others (big_integer: its bytes in `texts`)
  double floating = 0;
};

struct Pickle {
  PickleValue root;
  std::size_t end = 0;                               // offset just past the STOP opcode
  std::vector<std::string> texts;                    // string, bytes, big_integer (little-endian two's complement)
  std::vector<std::vector<PickleValue>> containers;  // list, tuple items; dict as key, value, key, value, ...
  std::vector<PickledTensor> tensors;
  std::vector<PickledStorage> storages;

  const std::string& text(const PickleValue& v) const { return texts.at(static_cast<std::size_t>(v.integer)); }
  const std::vector<PickleValue>& items(const PickleValue& v) const { return containers.at(static_cast<std::size_t>(v.integer)); }
  const PickledTensor& tensor(const PickleValue& v) const { return tensors.at(static_cast<std::size_t>(v.integer)); }
};

// Reads one pickle starting at `offset` of `bytes` (a legacy checkpoint holds several in a row).
// `file_name` prefixes every error message.
Pickle read_pickle(std::span<const std::byte> bytes, std::size_t offset, const std::string& file_name);

// A state dict: the root must be a dict (or OrderedDict) from names to tensors. Throws InputError
// naming the key of anything else.
std::vector<std::pair<std::string, PickledTensor>> state_dict_tensors(const Pickle& pickle, const std::string& file_name);

}  // namespace infobound::io
