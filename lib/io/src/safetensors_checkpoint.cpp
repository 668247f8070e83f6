#include "infobound/io/safetensors_checkpoint.hpp"

#include <algorithm>
#include <map>

#include "infobound/core/error.hpp"
#include "infobound/io/json_file.hpp"

namespace infobound::io {
namespace {

constexpr const char* kSingleFile = "model.safetensors";
constexpr const char* kIndexFile = "model.safetensors.index.json";

// Shard names come from a file we did not write: they must name files inside the directory.
bool is_plain_file_name(const std::string& name) {
  return !name.empty() && name.find('/') == std::string::npos && name != "." && name != "..";
}

}  // namespace

SafetensorsCheckpoint SafetensorsCheckpoint::open(const std::filesystem::path& dir) {
  SafetensorsCheckpoint checkpoint;
  checkpoint.dir_ = dir;
  const auto index_path = dir / kIndexFile;
  const auto single_path = dir / kSingleFile;
  if (std::filesystem::exists(single_path)) {
    checkpoint.files_.push_back(SafetensorsFile::open(single_path));
    checkpoint.description_ = kSingleFile;
    return checkpoint;
  }
  if (!std::filesystem::exists(index_path))
    throw InputError(dir.string() + ": no " + kSingleFile + " or " + kIndexFile +
                     " (only safetensors checkpoints are supported; convert pytorch_model.bin files first)");

  checkpoint.description_ = kIndexFile;
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
    file_slot[name] = checkpoint.files_.size();
    checkpoint.files_.push_back(SafetensorsFile::open(shard));
  }
  if (entries.empty()) throw InputError(where + ": weight_map is empty");
  for (const auto& [tensor, name] : entries)
    if (!checkpoint.files_[file_slot[name]].contains(tensor))
      throw InputError(where + ": tensor '" + tensor + "' is listed in shard '" + name + "' but that file does not hold it");
  return checkpoint;
}

std::optional<TensorView> SafetensorsCheckpoint::find(std::string_view name) const {
  for (const auto& file : files_)
    if (auto view = file.find(name)) return view;
  return std::nullopt;
}

std::filesystem::path SafetensorsCheckpoint::file_of(std::string_view name) const {
  for (const auto& file : files_)
    if (file.contains(name)) return file.path();
  return {};
}

std::vector<std::string> SafetensorsCheckpoint::names() const {
  std::vector<std::string> all;
  for (const auto& file : files_)
    for (const auto& t : file.tensors()) all.push_back(t.name);
  std::sort(all.begin(), all.end());
  all.erase(std::unique(all.begin(), all.end()), all.end());
  return all;
}

std::set<Dtype> SafetensorsCheckpoint::dtypes() const {
  std::set<Dtype> all;
  for (const auto& file : files_)
    for (const auto& t : file.tensors()) all.insert(t.dtype);
  return all;
}

std::string SafetensorsCheckpoint::description() const { return description_; }

}  // namespace infobound::io
