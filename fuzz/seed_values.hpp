#pragma once
// What the seed token caches are written with and the fuzzer expects, so a seed reads through.
#include "infobound/corpus/token_cache.hpp"

namespace infobound::fuzz {

inline corpus::TokenCacheInfo seed_cache_info() {
  corpus::TokenCacheInfo info;
  info.tokenizer = "fuzz/tokenizer.json";
  info.tokenizer_sha256 = "fuzz-tokenizer";
  info.config_hash = "fuzz-config";
  info.max_order = 4;
  info.window = "soft_h";
  info.max_length = 16;
  info.sequences = "per_document";
  return info;
}

}  // namespace infobound::fuzz
