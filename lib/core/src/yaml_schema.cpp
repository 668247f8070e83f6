#include "infobound/core/yaml_schema.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>

#include "infobound/core/error.hpp"
#include "infobound/core/input_file.hpp"
#include "infobound/core/utf8.hpp"

namespace infobound::yaml {
namespace {

std::string location(const std::string& file, const YAML::Mark& mark) {
  if (mark.is_null() || mark.line < 0) return file;
  return file + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
}

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

const char* kind_name(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null: return "nothing";
    case YAML::NodeType::Scalar: return "a scalar";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Map: return "a mapping";
    default: return "an undefined node";
  }
}

// yaml-cpp keeps every pair of a mapping and answers lookups with the first one, so a key given
// twice would silently lose its second value: refuse it. Aliases can make a small file a huge
// tree ("billion laughs"), so the walk is bounded too.
void reject_duplicate_keys(const YAML::Node& node, const std::string& file, int depth, std::size_t& visited) {
  constexpr int kMaxDepth = 64;
  constexpr std::size_t kMaxNodes = 1'000'000;
  if (++visited > kMaxNodes) fail(file, node, "the document has more than 1000000 nodes (aliases expanding?)");
  if (depth > kMaxDepth) fail(file, node, "nested deeper than 64 levels");
  if (node.IsMap()) {
    std::set<std::string> seen;
    for (const auto& entry : node) {
      const YAML::Node key = entry.first;
      if (key.IsScalar() && !seen.insert(key.Scalar()).second)
        fail(file, key, "key '" + key.Scalar() + "' is given twice in the same mapping");
      reject_duplicate_keys(entry.second, file, depth + 1, visited);
    }
  } else if (node.IsSequence()) {
    for (const auto& element : node) reject_duplicate_keys(element, file, depth + 1, visited);
  }
}

}  // namespace

void fail(const std::string& file, const YAML::Mark& mark, const std::string& message) {
  throw InputError(location(file, mark) + ": " + message);
}

void fail(const std::string& file, const YAML::Node& node, const std::string& message) {
  fail(file, node.IsDefined() ? node.Mark() : YAML::Mark::null_mark(), message);
}

YAML::Node load_string(const std::string& text, const std::string& file) {
  // YAML is Unicode text; bytes that are not UTF-8 would reach names, paths and the config hash
  // (whose JSON encoder refuses them), so they are refused here, at their line.
  if (const auto bad = first_invalid_utf8(text)) {
    const auto line = 1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(*bad), '\n');
    throw InputError(file + ":" + std::to_string(line) + ": byte " + std::to_string(*bad) +
                     " is not valid UTF-8 (a YAML file must be UTF-8 text; re-save it as UTF-8)");
  }
  try {
    const YAML::Node root = YAML::Load(text);
    std::size_t visited = 0;
    reject_duplicate_keys(root, file, 0, visited);
    return root;
  } catch (const YAML::ParserException& e) {
    fail(file, e.mark, "invalid YAML: " + e.msg);
  }
}

YAML::Node load_file(const std::string& file) { return load_string(read_input_file(file, "YAML file"), file); }

Map::Map(const YAML::Node& node, std::string file, std::string where)
    : node_(node), file_(std::move(file)), where_(std::move(where)) {
  if (!node_.IsMap()) fail(file_, node_, where_ + " must be a mapping of keys to values, found " + kind_name(node_));
}

std::string Map::key_path(const std::string& key) const { return where_.empty() ? key : where_ + "." + key; }

bool Map::has(const std::string& key) const {
  const YAML::Node& map = node_;
  return static_cast<bool>(map[key]);
}

YAML::Node Map::get(const std::string& key) {
  known_.insert(key);
  const YAML::Node& map = node_;  // const access: never inserts the key
  return map[key];
}

std::string Map::as_string(const YAML::Node& value, const std::string& what) const {
  if (!value.IsScalar()) fail(file_, value, what + ": expected a string, found " + kind_name(value));
  return value.Scalar();
}

int64_t Map::as_integer(const YAML::Node& value, const std::string& what) const {
  if (!value.IsScalar()) fail(file_, value, what + ": expected an integer, found " + kind_name(value));
  std::string text = value.Scalar();
  text.erase(std::remove(text.begin(), text.end(), '_'), text.end());  // 2_097_152 reads as in YAML 1.1
  int64_t result = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), result);
  if (error == std::errc() && end == text.data() + text.size()) return result;
  // Accept 2.0e9-style values that are exact integers (large token counts are often written so).
  char* parsed_end = nullptr;
  const double as_double = std::strtod(text.c_str(), &parsed_end);
  if (!text.empty() && parsed_end == text.c_str() + text.size() && std::isfinite(as_double) &&
      as_double == std::floor(as_double) && std::fabs(as_double) < 9.2e18)
    return static_cast<int64_t>(as_double);
  fail(file_, value, what + ": expected an integer, found '" + value.Scalar() + "'");
}

double Map::as_number(const YAML::Node& value, const std::string& what) const {
  if (!value.IsScalar()) fail(file_, value, what + ": expected a number, found " + kind_name(value));
  const std::string& text = value.Scalar();
  char* end = nullptr;
  const double result = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(result))
    fail(file_, value, what + ": expected a number, found '" + text + "'");
  return result;
}

bool Map::as_boolean(const YAML::Node& value, const std::string& what) const {
  if (value.IsScalar()) {
    const std::string& text = value.Scalar();
    if (text == "true" || text == "True" || text == "yes") return true;
    if (text == "false" || text == "False" || text == "no") return false;
  }
  fail(file_, value,
       what + ": expected true or false, found " +
           (value.IsScalar() ? "'" + value.Scalar() + "'" : std::string(kind_name(value))));
}

std::string Map::string(const std::string& key) {
  const YAML::Node value = get(key);
  if (!value || value.IsNull()) fail(file_, node_, where_ + ": missing required key '" + key + "'");
  return as_string(value, key_path(key));
}

std::string Map::string(const std::string& key, const std::string& fallback) {
  const YAML::Node value = get(key);
  return (!value || value.IsNull()) ? fallback : as_string(value, key_path(key));
}

std::optional<std::string> Map::optional_string(const std::string& key) {
  const YAML::Node value = get(key);
  if (!value || value.IsNull()) return std::nullopt;
  return as_string(value, key_path(key));
}

int64_t Map::integer(const std::string& key) {
  const YAML::Node value = get(key);
  if (!value || value.IsNull()) fail(file_, node_, where_ + ": missing required key '" + key + "'");
  return as_integer(value, key_path(key));
}

int64_t Map::integer(const std::string& key, int64_t fallback) {
  const YAML::Node value = get(key);
  return (!value || value.IsNull()) ? fallback : as_integer(value, key_path(key));
}

std::optional<int64_t> Map::optional_integer(const std::string& key) {
  const YAML::Node value = get(key);
  if (!value || value.IsNull()) return std::nullopt;
  return as_integer(value, key_path(key));
}

double Map::number(const std::string& key, double fallback) {
  const YAML::Node value = get(key);
  return (!value || value.IsNull()) ? fallback : as_number(value, key_path(key));
}

bool Map::boolean(const std::string& key, bool fallback) {
  const YAML::Node value = get(key);
  return (!value || value.IsNull()) ? fallback : as_boolean(value, key_path(key));
}

std::vector<int64_t> Map::integers(const std::string& key, const std::vector<int64_t>& fallback) {
  const YAML::Node value = get(key);
  if (!value || value.IsNull()) return fallback;
  if (!value.IsSequence()) fail(file_, value, key_path(key) + ": expected a list of integers, found " + kind_name(value));
  if (value.size() == 0) fail(file_, value, key_path(key) + ": the list is empty (leave the key out for the default)");
  std::vector<int64_t> result;
  for (std::size_t i = 0; i < value.size(); ++i)
    result.push_back(as_integer(value[i], key_path(key) + "[" + std::to_string(i) + "]"));
  return result;
}

std::vector<std::string> Map::strings(const std::string& key, const std::vector<std::string>& fallback) {
  const YAML::Node value = get(key);
  if (!value || value.IsNull()) return fallback;
  if (value.IsScalar()) return {value.Scalar()};
  if (!value.IsSequence()) fail(file_, value, key_path(key) + ": expected a list of strings, found " + kind_name(value));
  if (value.size() == 0) fail(file_, value, key_path(key) + ": the list is empty (leave the key out for the default)");
  std::vector<std::string> result;
  for (std::size_t i = 0; i < value.size(); ++i)
    result.push_back(as_string(value[i], key_path(key) + "[" + std::to_string(i) + "]"));
  return result;
}

std::string Map::choice(const std::string& key, const std::vector<std::string>& choices, const std::string& fallback) {
  const YAML::Node value = get(key);
  if (!value || value.IsNull()) return fallback;
  const std::string text = as_string(value, key_path(key));
  if (std::find(choices.begin(), choices.end(), text) != choices.end()) return text;
  std::string list;
  for (const auto& c : choices) list += (list.empty() ? "" : ", ") + c;
  fail(file_, value, key_path(key) + ": '" + text + "' is not one of: " + list);
}

void Map::finish() const {
  for (const auto& entry : node_) {
    const YAML::Node key_node = entry.first;
    const std::string key = key_node.IsScalar() ? key_node.Scalar() : "?";
    if (known_.count(key)) continue;
    std::string best;
    std::size_t best_distance = 3;  // suggest only plausible typos
    for (const auto& candidate : known_) {
      const std::size_t distance = edit_distance(key, candidate);
      if (distance < best_distance) best_distance = distance, best = candidate;
    }
    std::string allowed;
    for (const auto& candidate : known_) allowed += (allowed.empty() ? "" : ", ") + candidate;
    fail(file_, key_node,
         "unknown key '" + key + "' in " + (where_.empty() ? "the top level" : where_) +
             (best.empty() ? "" : " (did you mean '" + best + "'?)") + "; allowed keys: " + allowed);
  }
}

}  // namespace infobound::yaml
