#include "yaml_reader.hpp"

#include <charconv>

#include "infobound/core/error.hpp"

namespace infobound::train::yaml {

std::string location(const std::string& file, const YAML::Node& node) {
  const auto mark = node.Mark();
  return mark.line >= 0 ? file + ":" + std::to_string(mark.line + 1) : file;
}

Map::Map(YAML::Node node, std::string file, std::string where)
    : node_(std::move(node)), file_(std::move(file)), where_(std::move(where)) {
  if (!node_.IsMap()) fail(node_, where_ + " must be a mapping of keys to values");
}

void Map::fail(const YAML::Node& at, const std::string& what) const { throw InputError(location(file_, at) + ": " + what); }

bool Map::has(const std::string& key) const { return static_cast<bool>(node_[key]); }

YAML::Node Map::node(const std::string& key) {
  known_.insert(key);
  return node_[key];
}

YAML::Node Map::require(const std::string& key) {
  YAML::Node value = node(key);
  if (!value) fail(node_, where_ + " lacks the key '" + key + "'");
  if (value.IsNull()) fail(value, where_ + "." + key + " is empty");
  return value;
}

std::string Map::string(const std::string& key) {
  const YAML::Node value = require(key);
  if (!value.IsScalar()) fail(value, where_ + "." + key + " must be a string");
  return value.Scalar();
}

int64_t Map::integer(const std::string& key, int64_t minimum) {
  const YAML::Node value = require(key);
  const std::string text = value.IsScalar() ? value.Scalar() : std::string();
  int64_t parsed = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), parsed);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    fail(value, where_ + "." + key + " must be an integer, got '" + text + "'");
  }
  if (parsed < minimum) fail(value, where_ + "." + key + " must be at least " + std::to_string(minimum));
  return parsed;
}

double Map::number(const std::string& key) {
  const YAML::Node value = require(key);
  try {
    return value.as<double>();
  } catch (const YAML::Exception&) {
    fail(value, where_ + "." + key + " must be a number, got '" + (value.IsScalar() ? value.Scalar() : "a collection") + "'");
  }
}

std::vector<std::string> Map::strings(const std::string& key) {
  const YAML::Node value = require(key);
  if (!value.IsSequence()) fail(value, where_ + "." + key + " must be a list of strings");
  std::vector<std::string> out;
  for (const auto& item : value) {
    if (!item.IsScalar()) fail(item, where_ + "." + key + " must be a list of strings");
    out.push_back(item.Scalar());
  }
  return out;
}

Map Map::map(const std::string& key) { return Map(require(key), file_, where_ + "." + key); }

void Map::reject_unknown_keys(const std::string& expected) const {
  for (const auto& entry : node_) {
    const std::string key = entry.first.Scalar();
    if (!known_.count(key)) fail(entry.first, "unknown key '" + key + "' in " + where_ + " (expected: " + expected + ")");
  }
}

nlohmann::json to_json(const YAML::Node& node, const Map& context) {
  if (node.IsMap()) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& entry : node) out[entry.first.Scalar()] = to_json(entry.second, context);
    return out;
  }
  if (node.IsSequence()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& item : node) out.push_back(to_json(item, context));
    return out;
  }
  if (node.IsNull()) return nullptr;
  const std::string& text = node.Scalar();
  if (node.Tag() == "!") return text;  // quoted: always a string
  if (text == "true" || text == "false") return text == "true";
  int64_t integer = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), integer);
  if (ec == std::errc() && end == text.data() + text.size()) return integer;
  double number = 0;
  if (YAML::convert<double>::decode(node, number)) return number;
  return text;
}

}  // namespace infobound::train::yaml
