#pragma once
// The run's token cache, RUN/corpus/<tokenizer-id>.h5 (docs/interfaces.md, "Run directory").
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace infobound::bound {

struct TokenCache {
  std::string tokenizer_id;      // the file's stem
  std::vector<int64_t> ids;      // all sequences concatenated
  std::vector<int64_t> offsets;  // [n_seq + 1], offsets.front() == 0, offsets.back() == ids.size()
  std::vector<int8_t> preference;  // per token: -1 none, 0 rejected, 1 chosen (may be empty)
  int64_t max_order = 0;
  std::string window;            // "soft_h" or "per_order"
  int64_t num_sequences() const { return static_cast<int64_t>(offsets.size()) - 1; }
};

// Reads and validates the cache; throws InputError naming the file and the dataset or attribute
// that is missing, has the wrong type or shape, or whose offsets are inconsistent.
TokenCache read_token_cache(const std::filesystem::path& path);

// Writes a cache in the same layout (tests, and tools that build caches outside the pipeline).
void write_token_cache(const std::filesystem::path& path, const TokenCache& cache);

// All caches RUN/corpus/*.h5, sorted by tokenizer id.
std::vector<std::filesystem::path> find_token_caches(const std::filesystem::path& run_dir);

}  // namespace infobound::bound
