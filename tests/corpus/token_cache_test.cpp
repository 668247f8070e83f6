// The token cache codec: what the production writer writes reads back, and every inconsistency a
// damaged or foreign file can hold is refused naming the file and what is wrong.
#include <gtest/gtest.h>

#include <fstream>
#include <span>

#include "infobound/core/error.hpp"
#include "infobound/corpus/token_cache.hpp"
#include "infobound/io/hdf5.hpp"
#include "infobound/testing/scratch_dir.hpp"

namespace {
namespace fs = std::filesystem;
using infobound::corpus::TokenCacheInfo;
using infobound::corpus::TokenizedCorpus;

TokenizedCorpus two_sequences() {
  TokenizedCorpus c;
  c.ids = {5, 6, 7, 8, 9, 5, 6, 1, 2};
  c.offsets = {0, 5, 9};
  c.preference = {-1, -1, 1, 1, 1, -1, -1, 0, 0};
  c.sequence_document = {0, 0};
  c.n_documents = 1;
  return c;
}

const TokenCacheInfo kInfo{"tok.json", "sha", "config", 3, "soft_h", 16, "per_document"};

std::string error_of(const fs::path& path) {
  try {
    infobound::corpus::read_token_cache(path);
  } catch (const infobound::InputError& e) {
    return e.what();
  }
  return "";
}

// Writes a cache with the production writer after `damage` has changed what is written.
template <typename Damage>
fs::path written(const std::string& name, Damage damage) {
  TokenizedCorpus c = two_sequences();
  TokenCacheInfo info = kInfo;
  damage(c, info);
  const fs::path path = infobound::testing::scratch_dir("token_cache") / (name + ".h5");
  infobound::corpus::write_token_cache(path, c, info);
  return path;
}

TEST(TokenCache, RoundTripsWithItsRecord) {
  const fs::path path = written("gpt2", [](TokenizedCorpus&, TokenCacheInfo&) {});
  const auto read = infobound::corpus::read_token_cache(path);
  const TokenizedCorpus expected = two_sequences();
  EXPECT_EQ(read.tokenizer_id, "gpt2");
  EXPECT_EQ(read.corpus.ids, expected.ids);
  EXPECT_EQ(read.corpus.offsets, expected.offsets);
  EXPECT_EQ(read.corpus.preference, expected.preference);
  EXPECT_EQ(read.corpus.sequence_document, expected.sequence_document);
  EXPECT_EQ(read.info.max_order, 3);
  EXPECT_EQ(read.info.window, "soft_h");
  EXPECT_EQ(read.info.sequences, "per_document");
  EXPECT_EQ(read.corpus.n_sequences(), 2);
  EXPECT_EQ(infobound::corpus::read_token_cache(path, kInfo).ids, expected.ids);
}

TEST(TokenCache, AnotherTokenizerOrConfigIsRefused) {
  const fs::path path = written("mismatch", [](TokenizedCorpus&, TokenCacheInfo&) {});
  TokenCacheInfo other = kInfo;
  other.config_hash = "other";
  try {
    infobound::corpus::read_token_cache(path, other);
    FAIL() << "a cache of another config was accepted";
  } catch (const infobound::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("token cache made for tokenizer sha and config config"), std::string::npos) << e.what();
  }
}

TEST(TokenCache, EachInconsistencyIsNamed) {
  const std::vector<std::pair<fs::path, std::string>> cases{
      {written("ends", [](TokenizedCorpus& c, TokenCacheInfo&) { c.offsets.back() = 99; }), "'offsets' ends at 99"},
      {written("start", [](TokenizedCorpus& c, TokenCacheInfo&) { c.offsets.front() = 1; }), "'offsets' must start with 0"},
      {written("decreasing",
               [](TokenizedCorpus& c, TokenCacheInfo&) {
                 c.offsets = {0, 6, 5, 9};
                 c.sequence_document.push_back(0);
               }),
       "'offsets' decreases at entry 2"},
      {written("preference", [](TokenizedCorpus& c, TokenCacheInfo&) { c.preference.pop_back(); }),
       "'preference' has 8 entries, 'ids' 9"},
      {written("label", [](TokenizedCorpus& c, TokenCacheInfo&) { c.preference[4] = 7; }), "'preference' holds 7 at position 4"},
      {written("documents", [](TokenizedCorpus& c, TokenCacheInfo&) { c.sequence_document.pop_back(); }),
       "'sequence_document' has 1 entries for 2 sequences"},
      {written("negative", [](TokenizedCorpus& c, TokenCacheInfo&) { c.ids[3] = -2; }), "negative token id at position 3"},
      {written("order", [](TokenizedCorpus&, TokenCacheInfo& i) { i.max_order = 0; }), "'max_order' must be >= 1"},
      {written("window", [](TokenizedCorpus&, TokenCacheInfo& i) { i.window = "sliding"; }), "'window' is 'sliding'"},
  };
  for (const auto& [path, expected] : cases) {
    const std::string what = error_of(path);
    EXPECT_NE(what.find(path.filename().string()), std::string::npos) << what;
    EXPECT_NE(what.find(expected), std::string::npos) << path << ": " << what;
  }
}

TEST(TokenCache, MissingOrMistypedDatasetsAndNonHdf5FilesAreClearErrors) {
  const fs::path dir = infobound::testing::scratch_dir("token_cache_missing");
  infobound::io::h5::File::create(dir / "empty.h5").close();
  EXPECT_NE(error_of(dir / "empty.h5").find("dataset 'ids' is missing"), std::string::npos);
  {
    auto file = infobound::io::h5::File::create(dir / "float.h5");
    const std::vector<double> ids{1.5, 2.5};
    file.root().write("ids", std::span<const double>(ids), {2});
    file.close();
  }
  EXPECT_NE(error_of(dir / "float.h5").find("dataset 'ids' is not an integer array"), std::string::npos);
  std::ofstream(dir / "text.h5") << "not hdf5";
  EXPECT_NE(error_of(dir / "text.h5").find("cannot open HDF5 file"), std::string::npos) << error_of(dir / "text.h5");
  EXPECT_NE(error_of(dir / "absent.h5").find("not found"), std::string::npos);
}

}  // namespace
