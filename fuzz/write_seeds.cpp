// Writes seed token caches for token_cache_fuzzer with the production writers, so the seeds follow
// the format as it changes: write_seeds <dir> fills <dir>/token_cache.
#include <cstdio>
#include <filesystem>

#include "infobound/bound/token_cache.hpp"
#include "infobound/corpus/sequences.hpp"
#include "seed_values.hpp"

namespace fs = std::filesystem;
using namespace infobound;

namespace {

void write_token_caches(const fs::path& dir) {
  corpus::TokenizedCorpus corpus;
  corpus.ids = {5, 6, 7, 8, 9, 5, 6, 1, 2};
  corpus.offsets = {0, 5, 9};
  corpus.preference = {-1, -1, 1, 1, 1, -1, -1, 0, 0};
  corpus.sequence_document = {0, 1};
  corpus.n_documents = 2;
  corpus::write_token_cache(dir / "pipeline.h5", corpus, fuzz::seed_cache_info());

  bound::TokenCache cache;
  cache.tokenizer_id = "bound";
  cache.ids = {1, 2, 3, 1, 2, 4};
  cache.offsets = {0, 3, 6};
  cache.max_order = 2;
  cache.window = "per_order";
  bound::write_token_cache(dir / "bound.h5", cache);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: write_seeds <dir>\n");
    return 2;
  }
  const fs::path root = argv[1];
  fs::create_directories(root / "token_cache");
  write_token_caches(root / "token_cache");
  return 0;
}
