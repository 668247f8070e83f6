#include "config_reader.hpp"

#include <cmath>

#include "infobound/core/error.hpp"

namespace infobound::models::detail {

ConfigReader::ConfigReader(const nlohmann::json& json, std::string source, std::string family)
    : json_(json), source_(std::move(source)), family_(std::move(family)) {}

bool ConfigReader::has(std::string_view key) const {
  const auto it = json_.find(std::string(key));
  return it != json_.end() && !it->is_null();
}

void ConfigReader::fail(const std::string& what) const { throw InputError(source_ + ": " + what); }

const nlohmann::json& ConfigReader::value(std::string_view key) const {
  if (!has(key)) fail("missing key '" + std::string(key) + "' (needed by the " + family_ + " family)");
  return json_.at(std::string(key));
}

int64_t ConfigReader::integer(std::string_view key) const {
  const auto& v = value(key);
  if (v.is_number_integer()) return v.get<int64_t>();
  // Some writers store integers as 64.0.
  if (v.is_number_float() && std::floor(v.get<double>()) == v.get<double>() && std::fabs(v.get<double>()) < 9.2e18)
    return static_cast<int64_t>(v.get<double>());
  fail("key '" + std::string(key) + "' must be an integer, got " + v.dump());
}

double ConfigReader::number(std::string_view key) const {
  const auto& v = value(key);
  if (!v.is_number() || !std::isfinite(v.get<double>()))
    fail("key '" + std::string(key) + "' must be a finite number, got " + v.dump());
  return v.get<double>();
}

int64_t ConfigReader::integer_or(std::string_view key, int64_t fallback) const { return has(key) ? integer(key) : fallback; }

double ConfigReader::number_or(std::string_view key, double fallback) const { return has(key) ? number(key) : fallback; }

bool ConfigReader::boolean_or(std::string_view key, bool fallback) const {
  if (!has(key)) return fallback;
  const auto& v = json_.at(std::string(key));
  if (!v.is_boolean()) fail("key '" + std::string(key) + "' must be true or false, got " + v.dump());
  return v.get<bool>();
}

std::string ConfigReader::string_or(std::string_view key, std::string_view fallback) const {
  if (!has(key)) return std::string(fallback);
  const auto& v = json_.at(std::string(key));
  if (!v.is_string()) fail("key '" + std::string(key) + "' must be a string, got " + v.dump());
  return v.get<std::string>();
}

int64_t ConfigReader::positive(std::string_view key, int64_t max) const {
  const int64_t v = integer(key);
  if (v <= 0) fail("key '" + std::string(key) + "' must be positive, got " + std::to_string(v));
  if (v > max)
    fail("key '" + std::string(key) + "' is " + std::to_string(v) + ", more than any model can have (at most " +
         std::to_string(max) + ")");
  return v;
}

double ConfigReader::positive_number(std::string_view key) const {
  const double v = number(key);
  if (!(v > 0)) fail("key '" + std::string(key) + "' must be > 0, got " + json_.at(std::string(key)).dump());
  return v;
}

double ConfigReader::positive_number_or(std::string_view key, double fallback) const {
  return has(key) ? positive_number(key) : fallback;
}

double ConfigReader::non_negative_number(std::string_view key) const {
  const double v = number(key);
  if (!(v >= 0)) fail("key '" + std::string(key) + "' must be >= 0, got " + json_.at(std::string(key)).dump());
  return v;
}

double ConfigReader::non_negative_number_or(std::string_view key, double fallback) const {
  return has(key) ? non_negative_number(key) : fallback;
}

}  // namespace infobound::models::detail
