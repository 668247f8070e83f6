#pragma once
// Strict YAML reading: every key must be known, every value of the expected type, and every
// error names the file and line.
#include <cstdint>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>
#include <nlohmann/json.hpp>

namespace infobound::train::yaml {

class Map {
 public:
  Map(YAML::Node node, std::string file, std::string where);
  bool has(const std::string& key) const;
  YAML::Node node(const std::string& key);  // marks the key as known
  std::string string(const std::string& key);
  int64_t integer(const std::string& key, int64_t minimum);
  double number(const std::string& key);
  std::vector<std::string> strings(const std::string& key);
  Map map(const std::string& key);
  // Throws for any key that was never asked for.
  void reject_unknown_keys(const std::string& expected) const;
  [[noreturn]] void fail(const YAML::Node& at, const std::string& what) const;
  const std::string& file() const { return file_; }

 private:
  YAML::Node require(const std::string& key);
  YAML::Node node_;
  std::string file_;
  std::string where_;
  std::set<std::string> known_;
};

// A YAML node as JSON (scalars become integers, numbers, booleans or strings).
nlohmann::json to_json(const YAML::Node& node, const Map& context);
std::string location(const std::string& file, const YAML::Node& node);

}  // namespace infobound::train::yaml
