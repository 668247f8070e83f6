#pragma once
// Strict reading of YAML mappings: every key must be known, every value of the expected type,
// and every error names the file, line and column (YAML::Mark) of the offending node.
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

namespace infobound::yaml {

// Throws InputError "<file>:<line>:<column>: <message>".
[[noreturn]] void fail(const std::string& file, const YAML::Node& node, const std::string& message);
[[noreturn]] void fail(const std::string& file, const YAML::Mark& mark, const std::string& message);

// Parses a YAML file; a syntax error becomes an InputError with its line and column.
YAML::Node load_file(const std::string& file);
YAML::Node load_string(const std::string& text, const std::string& file);

// Reads one mapping. Accessors record the keys they were asked for; finish() rejects the rest.
class Map {
 public:
  // `where` names the mapping in messages, e.g. "corpus" or "models[2]".
  Map(const YAML::Node& node, std::string file, std::string where);

  bool has(const std::string& key) const;
  const YAML::Node& node() const { return node_; }
  const std::string& file() const { return file_; }
  const std::string& where() const { return where_; }
  // The raw node of a key (null node when absent); marks the key as known.
  YAML::Node get(const std::string& key);

  std::string string(const std::string& key);  // required
  std::string string(const std::string& key, const std::string& fallback);
  std::optional<std::string> optional_string(const std::string& key);
  int64_t integer(const std::string& key);
  int64_t integer(const std::string& key, int64_t fallback);
  std::optional<int64_t> optional_integer(const std::string& key);
  double number(const std::string& key, double fallback);
  bool boolean(const std::string& key, bool fallback);
  std::vector<int64_t> integers(const std::string& key, const std::vector<int64_t>& fallback);
  std::vector<std::string> strings(const std::string& key, const std::vector<std::string>& fallback);
  // A string that must be one of `choices`.
  std::string choice(const std::string& key, const std::vector<std::string>& choices, const std::string& fallback);

  // Rejects keys nobody asked for, suggesting the closest known key.
  void finish() const;

  // Conversions of a node (also for list elements), with errors naming `what`.
  std::string as_string(const YAML::Node& value, const std::string& what) const;
  int64_t as_integer(const YAML::Node& value, const std::string& what) const;
  double as_number(const YAML::Node& value, const std::string& what) const;
  bool as_boolean(const YAML::Node& value, const std::string& what) const;

 private:
  std::string key_path(const std::string& key) const;
  YAML::Node node_;
  std::string file_;
  std::string where_;
  std::set<std::string> known_;
};

}  // namespace infobound::yaml
