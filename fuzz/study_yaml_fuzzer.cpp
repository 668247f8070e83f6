// Feeds arbitrary bytes as a study YAML to parse_study_config and hashes what parses. Every input
// must either parse or be rejected with InputError; a crash, a sanitizer report or another
// exception (yaml-cpp's own included) is a finding.
#include <cstddef>
#include <cstdint>
#include <string>

#include "infobound/core/config.hpp"
#include "infobound/core/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const auto config = infobound::parse_study_config(text, "/nonexistent/fuzz/study.yaml");
    (void)infobound::config_hash(config);
  } catch (const infobound::InputError&) {
  }
  return 0;
}
