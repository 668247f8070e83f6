// Writes seed token caches for token_cache_fuzzer with the production writer, so the seeds follow
// the format as it changes: write_seeds <dir> fills <dir>/token_cache.
#include <cstdio>
#include <filesystem>

#include "infobound/corpus/token_cache.hpp"
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

  corpus::TokenCacheInfo per_order = fuzz::seed_cache_info();
  per_order.max_order = 2;
  per_order.window = "per_order";
  corpus::write_token_cache(dir / "per_order.h5", corpus, per_order);
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
