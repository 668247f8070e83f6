// Feeds arbitrary bytes as a token cache RUN/corpus/<tokenizer>.h5 to its one codec (lib/corpus),
// with and without the pipeline's check that the cache was made for this config. Every input must
// either read into consistent sequences or be rejected with InputError; a crash, a sanitizer report
// or another exception is a finding.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "infobound/core/error.hpp"
#include "infobound/corpus/token_cache.hpp"
#include "input_file.hpp"
#include "seed_values.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const auto path = infobound::fuzz::input_file(data, size, "fuzz.h5");
  try {
    const auto cache = infobound::corpus::read_token_cache(path);
    const auto& offsets = cache.corpus.offsets;
    if (offsets.empty() || offsets.front() != 0 || offsets.back() != static_cast<int64_t>(cache.corpus.ids.size())) std::abort();
  } catch (const infobound::InputError&) {
  }
  try {
    // The seeds are written with these values, so they get past the config check.
    (void)infobound::corpus::read_token_cache(path, infobound::fuzz::seed_cache_info());
  } catch (const infobound::InputError&) {
  }
  return 0;
}
