#pragma once
// Reading tokenizer.json fields with errors that name the file, the component and the key.
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "infobound/core/error.hpp"

namespace infobound::tokenize {

using Json = nlohmann::json;

// `where` is "<file>: <path in the file>", e.g. "x/tokenizer.json: pre_tokenizer.pretokenizers[1]".
[[noreturn]] inline void bad_field(const std::string& where, std::string_view key, std::string_view expected) {
  throw InputError(where + ": field \"" + std::string(key) + "\" must be " + std::string(expected));
}

inline const Json& require_field(const Json& object, std::string_view key, const std::string& where) {
  const auto it = object.find(key);
  if (it == object.end()) throw InputError(where + ": missing field \"" + std::string(key) + "\"");
  return *it;
}

inline bool has_value(const Json& object, std::string_view key) {
  const auto it = object.find(key);
  return it != object.end() && !it->is_null();
}

inline std::string string_field(const Json& object, std::string_view key, const std::string& where) {
  const Json& value = require_field(object, key, where);
  if (!value.is_string()) bad_field(where, key, "a string");
  return value.get<std::string>();
}

inline bool bool_field(const Json& object, std::string_view key, bool fallback, const std::string& where) {
  if (!has_value(object, key)) return fallback;
  const Json& value = object.at(std::string(key));
  if (!value.is_boolean()) bad_field(where, key, "true or false");
  return value.get<bool>();
}

inline int64_t int_field(const Json& object, std::string_view key, const std::string& where) {
  const Json& value = require_field(object, key, where);
  if (!value.is_number_integer()) bad_field(where, key, "an integer");
  return value.get<int64_t>();
}

// The "type" of a component, e.g. "NFC" or "ByteLevel".
inline std::string component_type(const Json& component, const std::string& where) {
  if (!component.is_object()) throw InputError(where + ": expected an object");
  return string_field(component, "type", where);
}

[[noreturn]] inline void unsupported_component(const std::string& where, std::string_view kind, std::string_view type,
                                               std::string_view supported) {
  throw InputError(where + ": unsupported " + std::string(kind) + " type \"" + std::string(type) + "\" (infobound supports " +
                   std::string(supported) + ")");
}

}  // namespace infobound::tokenize
