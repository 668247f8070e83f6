#include "infobound/io/safetensors.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <fstream>
#include <set>

#include <nlohmann/json.hpp>

#include "infobound/core/atomic_file.hpp"
#include "infobound/core/error.hpp"

namespace infobound::io {

std::optional<at::ScalarType> to_scalar_type(Dtype dtype) {
  switch (dtype) {
    case Dtype::BOOL: return at::kBool;
    case Dtype::U8: return at::kByte;
    case Dtype::I8: return at::kChar;
    case Dtype::I16: return at::kShort;
    case Dtype::F16: return at::kHalf;
    case Dtype::BF16: return at::kBFloat16;
    case Dtype::I32: return at::kInt;
    case Dtype::F32: return at::kFloat;
    case Dtype::F64: return at::kDouble;
    case Dtype::I64: return at::kLong;
    default: return std::nullopt;
  }
}

Dtype from_scalar_type(at::ScalarType type) {
  switch (type) {
    case at::kBool: return Dtype::BOOL;
    case at::kByte: return Dtype::U8;
    case at::kChar: return Dtype::I8;
    case at::kShort: return Dtype::I16;
    case at::kHalf: return Dtype::F16;
    case at::kBFloat16: return Dtype::BF16;
    case at::kInt: return Dtype::I32;
    case at::kFloat: return Dtype::F32;
    case at::kDouble: return Dtype::F64;
    case at::kLong: return Dtype::I64;
    default: throw InputError(std::string("safetensors cannot store torch dtype ") + c10::toString(type));
  }
}

SafetensorsFile::SafetensorsFile(std::filesystem::path path, std::shared_ptr<const MappedFile> mapping, SafetensorsHeader header)
    : path_(std::move(path)), mapping_(std::move(mapping)), header_(std::move(header)) {}

SafetensorsFile SafetensorsFile::open(const std::filesystem::path& path) {
  auto mapping = MappedFile::open(path);
  SafetensorsHeader header = parse_safetensors_header(mapping->bytes(), path.string());
  return SafetensorsFile(path, std::move(mapping), std::move(header));
}

std::vector<TensorView> SafetensorsFile::views() const {
  std::vector<TensorView> all;
  for (const auto& t : header_.tensors) all.push_back(*find(t.name));
  return all;
}

std::optional<TensorView> SafetensorsFile::find(std::string_view name) const {
  const auto it = std::lower_bound(header_.tensors.begin(), header_.tensors.end(), name,
                                   [](const TensorInfo& t, std::string_view n) { return t.name < n; });
  if (it == header_.tensors.end() || it->name != name) return std::nullopt;
  const auto bytes = mapping_->bytes().subspan(header_.data_offset + it->begin, it->end - it->begin);
  return TensorView{it->name, it->dtype, it->shape, bytes};
}

TensorView SafetensorsFile::view(std::string_view name) const {
  auto found = find(name);
  if (!found) throw InputError(path_.string() + ": no tensor '" + std::string(name) + "'");
  return *found;
}

at::Tensor SafetensorsFile::tensor(std::string_view name) const {
  const TensorView v = view(name);
  const auto type = to_scalar_type(v.dtype);
  if (!type)
    throw InputError(path_.string() + ": tensor '" + v.name + "' has dtype " + std::string(dtype_name(v.dtype)) +
                     ", which torch cannot represent");
  const auto options = at::TensorOptions().dtype(*type).device(at::kCPU);
  auto* data = const_cast<std::byte*>(v.bytes.data());
  const bool aligned = reinterpret_cast<uintptr_t>(data) % dtype_size(v.dtype) == 0;
  if (v.numel() == 0) return at::empty(v.shape, options);
  if (aligned) {
    auto keep_alive = mapping_;
    return at::from_blob(
        data, v.shape, [keep_alive](void*) {}, options);
  }
  at::Tensor copy = at::empty(v.shape, options);
  std::memcpy(copy.data_ptr(), data, v.bytes.size());
  return copy;
}

void write_safetensors(const std::filesystem::path& path, const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                       const std::map<std::string, std::string>& metadata) {
  const std::string file_name = path.string();
  std::map<std::string, at::Tensor> sorted;
  for (const auto& [name, tensor] : tensors) {
    if (name.empty() || name == "__metadata__") throw InputError(file_name + ": invalid tensor name '" + name + "'");
    if (!tensor.defined()) throw InputError(file_name + ": tensor '" + name + "' is undefined");
    if (!sorted.emplace(name, tensor).second) throw InputError(file_name + ": tensor name '" + name + "' given twice");
  }
  // Written by hand rather than by nlohmann::json, which would sort each entry's fields: the
  // reference writer emits dtype, shape, data_offsets in that order and no spaces.
  std::string text = "{";
  if (!metadata.empty()) text += "\"__metadata__\":" + nlohmann::json(metadata).dump();
  std::vector<at::Tensor> contiguous;
  uint64_t offset = 0;
  for (const auto& [name, tensor] : sorted) {
    at::Tensor cpu = tensor.detach().to(at::kCPU).contiguous();
    const Dtype dtype = from_scalar_type(cpu.scalar_type());
    const uint64_t bytes = static_cast<uint64_t>(cpu.numel()) * dtype_size(dtype);
    if (text.size() > 1) text += ",";
    text += nlohmann::json(name).dump() + ":{\"dtype\":\"" + std::string(dtype_name(dtype)) + "\",\"shape\":[";
    for (int64_t i = 0; i < cpu.dim(); ++i) text += (i ? "," : "") + std::to_string(cpu.size(i));
    text += "],\"data_offsets\":[" + std::to_string(offset) + "," + std::to_string(offset + bytes) + "]}";
    offset += bytes;
    contiguous.push_back(std::move(cpu));
  }
  text += "}";
  text.append((8 - (8 + text.size()) % 8) % 8, ' ');

  const std::filesystem::path temporary = temporary_path_for(path);
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!out) throw InputError(file_name + ": cannot open for writing");
    std::array<char, 8> length{};
    for (int i = 0; i < 8; ++i) length[static_cast<std::size_t>(i)] = static_cast<char>((text.size() >> (8 * i)) & 0xff);
    out.write(length.data(), 8);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    for (const auto& t : contiguous)
      out.write(static_cast<const char*>(t.data_ptr()), static_cast<std::streamsize>(t.numel() * t.element_size()));
    out.flush();
    if (!out) {
      std::filesystem::remove(temporary);
      throw InputError(file_name + ": write failed (disk full?)");
    }
  }
  try {
    commit_file(temporary, path);
  } catch (const InputError&) {
    std::filesystem::remove(temporary);
    throw;
  }
}

}  // namespace infobound::io
