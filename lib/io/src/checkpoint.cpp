#include "infobound/io/checkpoint.hpp"

#include <algorithm>
#include <map>

#include "infobound/core/error.hpp"
#include "infobound/core/sha256.hpp"
#include "infobound/io/json_file.hpp"
#include "infobound/io/pytorch_bin.hpp"
#include "infobound/io/safetensors.hpp"

namespace infobound::io {
namespace {

struct Layout {
  const char* single;
  const char* index;
  bool pytorch_bin;
};
constexpr Layout kLayouts[] = {{"model.safetensors", "model.safetensors.index.json", false},
                               {"pytorch_model.bin", "pytorch_model.bin.index.json", true}};

// Shard names come from a file we did not write: they must name files inside the directory.
bool is_plain_file_name(const std::string& name) {
  return !name.empty() && name.find('/') == std::string::npos && name != "." && name != "..";
}

std::optional<TensorView> find_in(const std::vector<TensorView>& views, std::string_view name) {
  const auto it =
      std::lower_bound(views.begin(), views.end(), name, [](const TensorView& t, std::string_view n) { return t.name < n; });
  if (it == views.end() || it->name != name) return std::nullopt;
  return *it;
}

}  // namespace

Checkpoint::Shard Checkpoint::open_shard(const std::filesystem::path& path, bool pytorch_bin) {
  if (pytorch_bin) {
    auto file = std::make_shared<const PytorchBinFile>(PytorchBinFile::open(path));
    return {path, file->views(), file};
  }
  auto file = std::make_shared<const SafetensorsFile>(SafetensorsFile::open(path));
  return {path, file->views(), file};
}

Checkpoint Checkpoint::open(const std::filesystem::path& dir) {
  Checkpoint checkpoint;
  checkpoint.dir_ = dir;
  const Layout* layout = nullptr;
  bool sharded = false;
  for (const auto& candidate : kLayouts) {
    if (std::filesystem::exists(dir / candidate.single)) layout = &candidate;
    else if (std::filesystem::exists(dir / candidate.index)) layout = &candidate, sharded = true;
    if (layout != nullptr) break;
  }
  if (layout == nullptr)
    throw InputError(dir.string() + ": no model weights (looked for model.safetensors, model.safetensors.index.json, " +
                     "pytorch_model.bin and pytorch_model.bin.index.json)");
  if (!sharded) {
    checkpoint.shards_.push_back(open_shard(dir / layout->single, layout->pytorch_bin));
    checkpoint.description_ = layout->single;
    return checkpoint;
  }

  const auto index_path = dir / layout->index;
  checkpoint.description_ = layout->index;
  const nlohmann::json index = read_json_file(index_path);
  const std::string where = index_path.string();
  if (!index.is_object() || !index.contains("weight_map") || !index["weight_map"].is_object())
    throw InputError(where + ": missing object 'weight_map'");
  std::map<std::string, std::size_t> file_slot;
  std::vector<std::pair<std::string, std::string>> entries;
  for (const auto& [tensor, file] : index["weight_map"].items()) {
    if (!file.is_string()) throw InputError(where + ": weight_map entry '" + tensor + "' is not a file name");
    const auto& name = file.get_ref<const std::string&>();
    if (!is_plain_file_name(name))
      throw InputError(where + ": weight_map entry '" + tensor + "' names '" + name + "', not a file in " + dir.string());
    entries.emplace_back(tensor, name);
    if (file_slot.count(name)) continue;
    const auto shard = dir / name;
    if (!std::filesystem::exists(shard))
      throw InputError(where + ": shard '" + name + "' (holding tensor '" + tensor + "') does not exist");
    file_slot[name] = checkpoint.shards_.size();
    checkpoint.shards_.push_back(open_shard(shard, layout->pytorch_bin));
  }
  if (entries.empty()) throw InputError(where + ": weight_map is empty");
  for (const auto& [tensor, name] : entries)
    if (!find_in(checkpoint.shards_[file_slot[name]].views, tensor))
      throw InputError(where + ": tensor '" + tensor + "' is listed in shard '" + name + "' but that file does not hold it");
  return checkpoint;
}

std::optional<TensorView> Checkpoint::find(std::string_view name) const {
  for (const auto& shard : shards_)
    if (auto view = find_in(shard.views, name)) return view;
  return std::nullopt;
}

std::filesystem::path Checkpoint::file_of(std::string_view name) const {
  for (const auto& shard : shards_)
    if (find_in(shard.views, name)) return shard.path;
  return {};
}

std::vector<std::string> Checkpoint::names() const {
  std::vector<std::string> all;
  for (const auto& shard : shards_)
    for (const auto& t : shard.views) all.push_back(t.name);
  std::sort(all.begin(), all.end());
  all.erase(std::unique(all.begin(), all.end()), all.end());
  return all;
}

std::set<Dtype> Checkpoint::dtypes() const {
  std::set<Dtype> all;
  for (const auto& shard : shards_)
    for (const auto& t : shard.views) all.insert(t.dtype);
  return all;
}

std::string Checkpoint::description() const { return description_; }

std::string weights_digest(const Checkpoint& checkpoint) {
  Sha256 hash;
  hash.update("infobound-weights-v1\n");
  for (const auto& name : checkpoint.names()) {
    const TensorView view = *checkpoint.find(name);
    std::string header = std::to_string(name.size()) + ":" + name + "\n" + std::string(dtype_name(view.dtype)) + "\n";
    for (const auto d : view.shape) header += std::to_string(d) + " ";
    header += '\n';
    header += std::to_string(view.bytes.size());
    header += '\n';
    hash.update(header);
    // Streams the mapping in slices so a large tensor is paged in and out, never held at once.
    constexpr std::size_t kSlice = std::size_t{64} << 20;
    for (std::size_t at = 0; at < view.bytes.size(); at += kSlice)
      hash.update(view.bytes.data() + at, std::min(kSlice, view.bytes.size() - at));
  }
  return hash.hex_digest();
}

}  // namespace infobound::io
