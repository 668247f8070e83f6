#pragma once
// Content fingerprints that decide whether cached tokenizers and checkpoints can be reused.
// FNV-1a 64 is enough here: it detects changed inputs, it is not a security boundary.
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace infobound::train {

uint64_t fnv1a64(std::string_view bytes, uint64_t state = 0xcbf29ce484222325ull);
std::string hex64(uint64_t value);  // 16 lowercase hex digits
// Fingerprint of a JSON value in its canonical dump (keys sorted), as 16 hex digits.
std::string fingerprint(const nlohmann::json& value);

}  // namespace infobound::train
