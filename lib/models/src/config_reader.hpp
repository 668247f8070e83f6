#pragma once
// Typed access to a config.json with errors that name the file, the key and the family.
// Keys HF writes for every model of a family are required; keys that older configs omit and HF
// fills from its config class defaults are read with *_or and that default.
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace infobound::models::detail {

class ConfigReader {
 public:
  // `source` names the config in messages: "DIR/config.json", or "config" for an in-memory one.
  ConfigReader(const nlohmann::json& json, std::string source, std::string family);

  const nlohmann::json& json() const { return json_; }
  const std::string& source() const { return source_; }
  bool has(std::string_view key) const;  // present and not null

  int64_t integer(std::string_view key) const;
  double number(std::string_view key) const;
  int64_t integer_or(std::string_view key, int64_t fallback) const;
  double number_or(std::string_view key, double fallback) const;
  bool boolean_or(std::string_view key, bool fallback) const;
  std::string string_or(std::string_view key, std::string_view fallback) const;
  // An integer key that must be in 1..max (sizes, counts). The default bound keeps every size in
  // an int32, as in every released model; products of sizes are checked against memory later.
  static constexpr int64_t kMaxSize = (int64_t{1} << 31) - 1;
  static constexpr int64_t kMaxLayers = 1024;  // for layer counts: one handle set is kept per layer
  int64_t positive(std::string_view key, int64_t max = kMaxSize) const;
  // A number that must be finite and > 0 (rope_theta, scales), or >= 0 (epsilons, soft caps).
  double positive_number(std::string_view key) const;
  double positive_number_or(std::string_view key, double fallback) const;
  double non_negative_number(std::string_view key) const;
  double non_negative_number_or(std::string_view key, double fallback) const;

  [[noreturn]] void fail(const std::string& what) const;

 private:
  const nlohmann::json& value(std::string_view key) const;
  const nlohmann::json& json_;
  std::string source_;
  std::string family_;
};

}  // namespace infobound::models::detail
