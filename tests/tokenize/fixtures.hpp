#pragma once
// The golden tokenizer fixtures (../shared/fixtures): where they are and how to read cases.jsonl.
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "infobound/tokenize/tokenizer.hpp"

namespace infobound::tokenize::testing {

inline std::filesystem::path fixtures_dir() { return std::filesystem::path(INFOBOUND_SHARED_DIR) / "fixtures"; }
inline std::filesystem::path tokenizer_fixture(const std::string& name) { return fixtures_dir() / "tokenizers" / name; }

inline const std::vector<std::string>& fixture_tokenizers() {
  static const std::vector<std::string> names{"gpt2", "pythia", "smollm2", "olmo2", "qwen2.5", "qwen3", "mistral"};
  return names;
}

// Fixture tokenizers load once per test binary (the large ones take a second each).
inline Tokenizer cached_tokenizer(const std::string& name) {
  static std::map<std::string, Tokenizer> loaded;
  const auto it = loaded.find(name);
  if (it != loaded.end()) return it->second;
  return loaded.emplace(name, Tokenizer::from_file(tokenizer_fixture(name) / "tokenizer.json")).first->second;
}

struct GoldenCase {
  std::string text;
  bool add_special_tokens = true;
  std::vector<int64_t> ids;
};

// Records are split on '\n' only (the README: U+2028 etc. are escaped, never raw separators).
inline std::vector<GoldenCase> read_cases(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<GoldenCase> cases;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const auto record = nlohmann::json::parse(line);
    GoldenCase c;
    c.text = record.at("text").get<std::string>();
    c.add_special_tokens = record.value("add_special_tokens", true);
    c.ids = record.at("ids").get<std::vector<int64_t>>();
    cases.push_back(std::move(c));
  }
  return cases;
}

}  // namespace infobound::tokenize::testing

#define INFOBOUND_REQUIRE_FIXTURE(path)                                                  \
  do {                                                                                   \
    if (!std::filesystem::exists(path)) GTEST_SKIP() << "fixture not found: " << (path); \
  } while (0)
