#include "infobound/io/safetensors_header.hpp"

#include <algorithm>
#include <array>
#include <functional>
#include <set>
#include <stdexcept>
#include <tuple>

#include <nlohmann/json.hpp>

#include "infobound/core/error.hpp"

namespace infobound::io {
namespace {

struct DtypeEntry {
  Dtype dtype;
  std::string_view name;
  std::size_t size;
};
constexpr std::array<DtypeEntry, 15> kDtypes{{
    {Dtype::BOOL, "BOOL", 1},
    {Dtype::U8, "U8", 1},
    {Dtype::I8, "I8", 1},
    {Dtype::I16, "I16", 2},
    {Dtype::U16, "U16", 2},
    {Dtype::F16, "F16", 2},
    {Dtype::BF16, "BF16", 2},
    {Dtype::I32, "I32", 4},
    {Dtype::U32, "U32", 4},
    {Dtype::F32, "F32", 4},
    {Dtype::F64, "F64", 8},
    {Dtype::I64, "I64", 8},
    {Dtype::U64, "U64", 8},
    {Dtype::F8_E4M3, "F8_E4M3", 1},
    {Dtype::F8_E5M2, "F8_E5M2", 1},
}};

const DtypeEntry& entry(Dtype dtype) {
  for (const auto& e : kDtypes)
    if (e.dtype == dtype) return e;
  throw std::logic_error("unknown safetensors dtype");
}

std::string shape_string(const std::vector<int64_t>& shape) {
  std::string out = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) out += (i ? ", " : "") + std::to_string(shape[i]);
  return out + "]";
}

uint64_t read_u64_le(std::span<const std::byte> bytes) {
  uint64_t value = 0;
  for (int i = 7; i >= 0; --i) value = (value << 8) | static_cast<uint64_t>(bytes[static_cast<std::size_t>(i)]);
  return value;
}

// nlohmann keeps the last of duplicate keys silently; a header naming a tensor twice is corrupt.
class DuplicateKeyCheck {
 public:
  bool operator()(int, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    using Event = nlohmann::json::parse_event_t;
    if (event == Event::object_start) keys_.emplace_back();
    if (event == Event::object_end && !keys_.empty()) keys_.pop_back();
    if (event == Event::key && !keys_.empty() && parsed.is_string()) {
      const auto& key = parsed.get_ref<const std::string&>();
      if (!keys_.back().insert(key).second) duplicate_ = key;
    }
    return true;
  }
  const std::optional<std::string>& duplicate() const { return duplicate_; }

 private:
  std::vector<std::set<std::string>> keys_;
  std::optional<std::string> duplicate_;
};

uint64_t non_negative_integer(const nlohmann::json& value, const std::string& what, const std::string& where) {
  if (value.is_number_unsigned()) return value.get<uint64_t>();
  if (value.is_number_integer() && value.get<int64_t>() >= 0) return static_cast<uint64_t>(value.get<int64_t>());
  throw InputError(where + ": " + what + " must be a non-negative integer, got " + value.dump());
}

TensorInfo parse_entry(const std::string& name, const nlohmann::json& value, const std::string& file_name) {
  const std::string where = file_name + ": tensor '" + name + "'";
  if (!value.is_object()) throw InputError(where + ": header entry is not a JSON object");
  for (const auto& [key, _] : value.items())
    if (key != "dtype" && key != "shape" && key != "data_offsets")
      throw InputError(where + ": unexpected header field '" + key + "' (expected dtype, shape, data_offsets)");
  TensorInfo info;
  info.name = name;

  const auto dtype_it = value.find("dtype");
  if (dtype_it == value.end() || !dtype_it->is_string()) throw InputError(where + ": missing string field 'dtype'");
  const auto dtype = parse_dtype(dtype_it->get_ref<const std::string&>());
  if (!dtype) throw InputError(where + ": unknown dtype '" + dtype_it->get<std::string>() + "'");
  info.dtype = *dtype;

  const auto shape_it = value.find("shape");
  if (shape_it == value.end() || !shape_it->is_array()) throw InputError(where + ": missing array field 'shape'");
  uint64_t numel = 1;
  for (const auto& dim : *shape_it) {
    const uint64_t d = non_negative_integer(dim, "every shape entry", where);
    if (d > static_cast<uint64_t>(INT64_MAX) || __builtin_mul_overflow(numel, d, &numel) || numel > INT64_MAX)
      throw InputError(where + ": shape " + shape_it->dump() + " has more elements than can be addressed");
    info.shape.push_back(static_cast<int64_t>(d));
  }

  const auto offsets_it = value.find("data_offsets");
  if (offsets_it == value.end() || !offsets_it->is_array() || offsets_it->size() != 2)
    throw InputError(where + ": missing field 'data_offsets' (an array [begin, end])");
  info.begin = non_negative_integer((*offsets_it)[0], "data_offsets[0]", where);
  info.end = non_negative_integer((*offsets_it)[1], "data_offsets[1]", where);
  if (info.end < info.begin)
    throw InputError(where + ": data_offsets [" + std::to_string(info.begin) + ", " + std::to_string(info.end) +
                     ") end before they begin");
  uint64_t expected_bytes = 0;
  if (__builtin_mul_overflow(numel, static_cast<uint64_t>(dtype_size(info.dtype)), &expected_bytes))
    throw InputError(where + ": shape " + shape_string(info.shape) + " is too large");
  if (info.end - info.begin != expected_bytes)
    throw InputError(where + ": data_offsets span " + std::to_string(info.end - info.begin) + " bytes but " +
                     std::string(dtype_name(info.dtype)) + " " + shape_string(info.shape) + " needs " +
                     std::to_string(expected_bytes));
  return info;
}

}  // namespace

std::string_view dtype_name(Dtype dtype) { return entry(dtype).name; }
std::size_t dtype_size(Dtype dtype) { return entry(dtype).size; }

std::optional<Dtype> parse_dtype(std::string_view name) {
  for (const auto& e : kDtypes)
    if (e.name == name) return e.dtype;
  return std::nullopt;
}

bool is_floating(Dtype dtype) {
  return dtype == Dtype::F16 || dtype == Dtype::BF16 || dtype == Dtype::F32 || dtype == Dtype::F64 || dtype == Dtype::F8_E4M3 ||
         dtype == Dtype::F8_E5M2;
}

int64_t TensorInfo::numel() const {
  int64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

SafetensorsHeader parse_safetensors_header(std::span<const std::byte> file, const std::string& file_name) {
  if (file.size() < 8)
    throw InputError(file_name + ": not a safetensors file: " + std::to_string(file.size()) +
                     " bytes is shorter than the 8-byte header length");
  const uint64_t header_length = read_u64_le(file.first(8));
  if (header_length > kMaxSafetensorsHeaderBytes)
    throw InputError(file_name + ": header length " + std::to_string(header_length) + " exceeds the limit of " +
                     std::to_string(kMaxSafetensorsHeaderBytes) + " bytes (corrupted or not a safetensors file)");
  if (header_length > file.size() - 8)
    throw InputError(file_name + ": header length " + std::to_string(header_length) + " runs past the end of the " +
                     std::to_string(file.size()) + "-byte file (truncated or not a safetensors file)");
  if (header_length < 2) throw InputError(file_name + ": header of " + std::to_string(header_length) + " bytes is too short");

  const auto* text = reinterpret_cast<const char*>(file.data() + 8);
  if (text[0] != '{') throw InputError(file_name + ": header does not start with '{' (not a safetensors file)");
  DuplicateKeyCheck duplicates;
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(text, text + header_length, std::ref(duplicates));
  } catch (const nlohmann::json::exception& e) {
    throw InputError(file_name + ": header is not valid JSON: " + e.what());
  }
  if (duplicates.duplicate()) throw InputError(file_name + ": header names '" + *duplicates.duplicate() + "' twice");
  if (!json.is_object()) throw InputError(file_name + ": header is not a JSON object");

  SafetensorsHeader header;
  header.data_offset = 8 + header_length;
  header.data_size = file.size() - header.data_offset;
  for (const auto& [name, value] : json.items()) {
    if (name == "__metadata__") {
      if (!value.is_object()) throw InputError(file_name + ": __metadata__ is not a JSON object");
      for (const auto& [key, text_value] : value.items()) {
        if (!text_value.is_string()) throw InputError(file_name + ": __metadata__ value of '" + key + "' is not a string");
        header.metadata[key] = text_value.get<std::string>();
      }
      continue;
    }
    TensorInfo info = parse_entry(name, value, file_name);
    if (info.end > header.data_size)
      throw InputError(file_name + ": tensor '" + name + "' data is not within the file bounds (ends at byte " +
                       std::to_string(header.data_offset + info.end) + " of a " + std::to_string(file.size()) +
                       "-byte file; the file is truncated or corrupted)");
    header.tensors.push_back(std::move(info));
  }

  std::vector<const TensorInfo*> by_offset;
  for (const auto& t : header.tensors) by_offset.push_back(&t);
  std::sort(by_offset.begin(), by_offset.end(),
            [](const TensorInfo* a, const TensorInfo* b) { return std::tie(a->begin, a->end) < std::tie(b->begin, b->end); });
  for (std::size_t i = 1; i < by_offset.size(); ++i) {
    const TensorInfo& previous = *by_offset[i - 1];
    const TensorInfo& current = *by_offset[i];
    if (current.begin < previous.end && current.begin != current.end)
      throw InputError(file_name + ": tensors '" + previous.name + "' and '" + current.name + "' overlap in the data section");
  }
  // json objects iterate in key order, so tensors are already sorted by name.
  return header;
}

}  // namespace infobound::io
