#include "infobound/train/fingerprint.hpp"

#include <cstdio>

namespace infobound::train {

uint64_t fnv1a64(std::string_view bytes, uint64_t state) {
  for (const char c : bytes) {
    state ^= static_cast<uint8_t>(c);
    state *= 0x100000001b3ull;
  }
  return state;
}

std::string hex64(uint64_t value) {
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(value));
  return text;
}

std::string fingerprint(const nlohmann::json& value) {
  // nlohmann::json (not ordered_json) keeps object keys sorted, so equal values dump equally.
  return hex64(fnv1a64(nlohmann::json(value).dump()));
}

}  // namespace infobound::train
