#include "infobound/io/pytorch_bin.hpp"

#include <algorithm>
#include <map>

#include "infobound/core/error.hpp"
#include "infobound/io/pytorch_pickle.hpp"
#include "infobound/io/zip_archive.hpp"

namespace infobound::io {
namespace {

using Kind = PickleValue::Kind;
using Storages = std::map<std::string, std::span<const std::byte>>;  // key -> bytes

// torch/serialization.py: MAGIC_NUMBER and PROTOCOL_VERSION of the legacy format.
constexpr unsigned char kLegacyMagic[] = {0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19};
constexpr int64_t kLegacyProtocol = 1001;

std::string shape_string(const std::vector<int64_t>& values) {
  std::string out = "[";
  for (std::size_t i = 0; i < values.size(); ++i) out += (i ? ", " : "") + std::to_string(values[i]);
  return out + "]";
}

// The bytes of one tensor: contiguous, inside its storage, and the storage inside the file.
TensorView tensor_view(const std::string& name, const PickledTensor& t, const Storages& storages, const std::string& file) {
  const std::string where = file + ": tensor '" + name + "'";
  const auto found = storages.find(t.storage.key);
  if (found == storages.end())
    throw InputError(where + ": its storage '" + t.storage.key + "' is not in the file (truncated or corrupted)");
  const uint64_t element = dtype_size(t.storage.dtype);
  if (t.shape.size() != t.stride.size())
    throw InputError(where + ": size " + shape_string(t.shape) + " and stride " + shape_string(t.stride) + " differ in rank");
  uint64_t numel = 1;
  for (const int64_t d : t.shape)
    if (d < 0 || __builtin_mul_overflow(numel, static_cast<uint64_t>(d), &numel) || numel > INT64_MAX)
      throw InputError(where + ": size " + shape_string(t.shape) + " is invalid");
  // Contiguous as torch defines it: row-major strides, any stride for a dimension of size 1.
  // (Skipped for an empty tensor, whose other dimensions may be anything.)
  int64_t expected = 1;
  for (std::size_t i = t.shape.size(); numel != 0 && i-- > 0;) {
    if (t.shape[i] != 1 && t.stride[i] != expected)
      throw InputError(
          where + ": stored as a strided view (size " + shape_string(t.shape) + ", stride " + shape_string(t.stride) +
          "); only contiguous tensors are read: re-save the state dict with contiguous tensors or convert it to safetensors");
    expected *= t.shape[i];
  }
  uint64_t end = 0;
  if (t.offset < 0 || __builtin_add_overflow(static_cast<uint64_t>(t.offset), numel, &end) || end > t.storage.numel)
    throw InputError(where + ": elements [" + std::to_string(t.offset) + ", +" + std::to_string(numel) +
                     ") lie outside its storage of " + std::to_string(t.storage.numel) + " elements (corrupted)");
  const uint64_t storage_bytes = t.storage.numel * element;
  if (t.storage.numel > found->second.size() / element || storage_bytes > found->second.size())
    throw InputError(where + ": storage '" + t.storage.key + "' declares " + std::to_string(t.storage.numel) + " " +
                     std::string(dtype_name(t.storage.dtype)) + " elements but the file holds " +
                     std::to_string(found->second.size()) + " bytes for it (truncated or corrupted)");
  return {name, t.storage.dtype, t.shape, found->second.subspan(static_cast<std::size_t>(t.offset) * element, numel * element)};
}

std::vector<TensorView> views_of(const Pickle& pickle, const Storages& storages, const std::string& file) {
  std::vector<TensorView> views;
  for (const auto& [name, tensor] : state_dict_tensors(pickle, file)) views.push_back(tensor_view(name, tensor, storages, file));
  std::sort(views.begin(), views.end(), [](const TensorView& a, const TensorView& b) { return a.name < b.name; });
  return views;
}

std::vector<TensorView> parse_zip(std::span<const std::byte> file, const std::string& file_name) {
  const std::vector<ZipEntry> entries = read_zip_entries(file, file_name);
  // The archive's folder is whatever torch named it ("archive", or the file's stem in HF files).
  const ZipEntry* data_pkl = nullptr;
  for (const auto& e : entries) {
    const auto slash = e.name.find('/');
    if (slash != std::string::npos && e.name.substr(slash) == "/data.pkl") {
      if (data_pkl != nullptr) throw InputError(file_name + ": the zip archive holds two data.pkl records");
      data_pkl = &e;
    }
  }
  if (data_pkl == nullptr) throw InputError(file_name + ": zip archive without <name>/data.pkl (not a torch.save checkpoint)");
  const std::string prefix = data_pkl->name.substr(0, data_pkl->name.size() - std::string("data.pkl").size());
  Storages storages;
  for (const auto& e : entries) {
    if (e.name == prefix + "byteorder") {
      const std::string order(reinterpret_cast<const char*>(e.data.data()), e.data.size());
      if (order != "little")
        throw InputError(file_name + ": storages are " + order + "-endian; only little-endian checkpoints are read");
    }
    if (e.name.rfind(prefix + "data/", 0) == 0) storages[e.name.substr(prefix.size() + 5)] = e.data;
  }
  const Pickle pickle = read_pickle(data_pkl->data, 0, file_name + " (" + data_pkl->name + ")");
  return views_of(pickle, storages, file_name);
}

std::vector<TensorView> parse_legacy(std::span<const std::byte> file, const std::string& file_name) {
  const Pickle magic = read_pickle(file, 0, file_name);
  if (magic.root.kind != Kind::big_integer ||
      magic.text(magic.root) != std::string(std::begin(kLegacyMagic), std::end(kLegacyMagic)))
    throw InputError(file_name +
                     ": neither a zip archive nor a legacy torch.save file (no magic number); not a PyTorch checkpoint");
  const Pickle protocol = read_pickle(file, magic.end, file_name);
  if (protocol.root.kind != Kind::integer || protocol.root.integer != kLegacyProtocol)
    throw InputError(file_name + ": legacy torch.save protocol is not " + std::to_string(kLegacyProtocol));
  const Pickle system = read_pickle(file, protocol.end, file_name);
  if (system.root.kind == Kind::dict) {
    const auto& items = system.items(system.root);
    for (std::size_t i = 0; i + 1 < items.size(); i += 2)
      if (items[i].kind == Kind::string && system.text(items[i]) == "little_endian" && items[i + 1].kind == Kind::boolean &&
          items[i + 1].integer == 0)
        throw InputError(file_name + ": written on a big-endian machine; only little-endian checkpoints are read");
  }
  const Pickle state = read_pickle(file, system.end, file_name);
  const Pickle keys = read_pickle(file, state.end, file_name);
  if (keys.root.kind != Kind::list)
    throw InputError(file_name + ": legacy checkpoint without its list of storage keys (truncated)");
  std::map<std::string, const PickledStorage*> declared;
  for (const auto& storage : state.storages) declared.emplace(storage.key, &storage);
  // Each storage follows in key order: an int64 element count, then the elements.
  Storages storages;
  std::size_t at = keys.end;
  for (const auto& key_value : keys.items(keys.root)) {
    if (key_value.kind != Kind::string) throw InputError(file_name + ": a legacy storage key is not a string");
    const std::string& key = keys.text(key_value);
    const auto it = declared.find(key);
    if (it == declared.end()) throw InputError(file_name + ": storage '" + key + "' is listed but no tensor uses it");
    if (file.size() - at < 8) throw InputError(file_name + ": storage '" + key + "' is missing (the file is truncated)");
    uint64_t count = 0;
    for (int i = 7; i >= 0; --i) count = (count << 8) | static_cast<uint64_t>(file[at + static_cast<std::size_t>(i)]);
    at += 8;
    const uint64_t element = dtype_size(it->second->dtype);
    if (count > (file.size() - at) / element)
      throw InputError(file_name + ": storage '" + key + "' of " + std::to_string(count) +
                       " elements runs past the end of the file (truncated)");
    if (!storages.emplace(key, file.subspan(at, count * element)).second)
      throw InputError(file_name + ": storage '" + key + "' is listed twice");
    at += count * element;
  }
  return views_of(state, storages, file_name);
}

}  // namespace

std::vector<TensorView> parse_pytorch_bin(std::span<const std::byte> file, const std::string& file_name) {
  return looks_like_zip(file) ? parse_zip(file, file_name) : parse_legacy(file, file_name);
}

PytorchBinFile PytorchBinFile::open(const std::filesystem::path& path) {
  PytorchBinFile file;
  file.path_ = path;
  file.mapping_ = MappedFile::open(path);
  file.views_ = parse_pytorch_bin(file.mapping_->bytes(), path.string());
  return file;
}

std::optional<TensorView> PytorchBinFile::find(std::string_view name) const {
  const auto it =
      std::lower_bound(views_.begin(), views_.end(), name, [](const TensorView& t, std::string_view n) { return t.name < n; });
  if (it == views_.end() || it->name != name) return std::nullopt;
  return *it;
}

}  // namespace infobound::io
