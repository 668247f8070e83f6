#include "infobound/corpus/token_cache.hpp"

#include <algorithm>

#include "infobound/core/atomic_file.hpp"
#include "infobound/core/error.hpp"
#include "infobound/io/hdf5.hpp"

namespace infobound::corpus {
namespace fs = std::filesystem;
namespace {

// An integer vector: a float dataset would be truncated silently by HDF5's conversion.
void require_integer_vector(const io::h5::Group& root, const std::string& name) {
  if (!root.has(name))
    throw InputError(root.file() + ": dataset '" + name + "' is missing (expected a token cache, docs/interfaces.md)");
  const io::h5::DatasetInfo info = root.dataset_info(name);
  if (info.element != io::h5::ElementClass::integer)
    throw InputError(root.file() + ": dataset '" + name + "' is not an integer array");
  if (info.shape.size() != 1) throw InputError(root.file() + ": dataset '" + name + "' must be one-dimensional");
}

void validate(const TokenCache& cache, const std::string& path) {
  const TokenizedCorpus& c = cache.corpus;
  if (c.offsets.empty() || c.offsets.front() != 0)
    throw InputError(path + ": 'offsets' must start with 0 (it has " + std::to_string(c.offsets.size()) + " entries)");
  if (c.offsets.back() != static_cast<int64_t>(c.ids.size()))
    throw InputError(path + ": 'offsets' ends at " + std::to_string(c.offsets.back()) + " but 'ids' has " +
                     std::to_string(c.ids.size()) + " tokens");
  for (std::size_t i = 1; i < c.offsets.size(); ++i)
    if (c.offsets[i] < c.offsets[i - 1]) throw InputError(path + ": 'offsets' decreases at entry " + std::to_string(i));
  if (c.preference.size() != c.ids.size())
    throw InputError(path + ": 'preference' has " + std::to_string(c.preference.size()) + " entries, 'ids' " +
                     std::to_string(c.ids.size()));
  if (c.sequence_document.size() + 1 != c.offsets.size())
    throw InputError(path + ": 'sequence_document' has " + std::to_string(c.sequence_document.size()) + " entries for " +
                     std::to_string(c.offsets.size() - 1) + " sequences");
  const auto negative = std::find_if(c.ids.begin(), c.ids.end(), [](int64_t id) { return id < 0; });
  if (negative != c.ids.end())
    throw InputError(path + ": negative token id at position " + std::to_string(negative - c.ids.begin()));
  const auto label = std::find_if(c.preference.begin(), c.preference.end(), [](int8_t p) { return p < -1 || p > 1; });
  if (label != c.preference.end())
    throw InputError(path + ": 'preference' holds " + std::to_string(*label) + " at position " +
                     std::to_string(label - c.preference.begin()) + " (expected -1, 0 or 1)");
  if (cache.info.max_order < 1) throw InputError(path + ": attribute 'max_order' must be >= 1");
  if (cache.info.window != "soft_h" && cache.info.window != "per_order")
    throw InputError(path + ": attribute 'window' is '" + cache.info.window + "', expected 'soft_h' or 'per_order'");
}

}  // namespace

void write_token_cache(const fs::path& path, const TokenizedCorpus& corpus, const TokenCacheInfo& info) {
  fs::create_directories(path.parent_path());
  const fs::path temporary = temporary_path_for(path);
  {
    io::h5::File file = io::h5::File::create(temporary);
    auto& root = file.root();
    root.write("ids", std::span<const int64_t>(corpus.ids), {static_cast<int64_t>(corpus.ids.size())});
    root.write("offsets", std::span<const int64_t>(corpus.offsets), {static_cast<int64_t>(corpus.offsets.size())});
    root.write("preference", std::span<const int8_t>(corpus.preference), {static_cast<int64_t>(corpus.preference.size())});
    root.write("sequence_document", std::span<const int64_t>(corpus.sequence_document),
               {static_cast<int64_t>(corpus.sequence_document.size())});
    root.set_attribute("tokenizer", info.tokenizer);
    root.set_attribute("tokenizer_sha256", info.tokenizer_sha256);
    root.set_attribute("config_hash", info.config_hash);
    root.set_attribute("max_order", info.max_order);
    root.set_attribute("window", info.window);
    root.set_attribute("max_length", info.max_length);
    root.set_attribute("sequences", info.sequences);
    root.set_attribute("n_documents", corpus.n_documents);
    root.set_attribute("n_replaced", corpus.n_replaced);
    root.set_attribute("n_skipped_empty", corpus.n_skipped_empty);
    file.close();
  }
  commit_file(temporary, path);
}

TokenCache read_token_cache(const fs::path& path) {
  const io::h5::File file = io::h5::File::open_read_only(path);
  const auto& root = file.root();
  for (const char* name : {"ids", "offsets", "preference", "sequence_document"}) require_integer_vector(root, name);
  TokenCache cache;
  cache.tokenizer_id = path.stem().string();
  TokenizedCorpus& corpus = cache.corpus;
  corpus.ids = root.read_int64("ids");
  corpus.offsets = root.read_int64("offsets");
  corpus.preference = root.read_int8("preference");
  corpus.sequence_document = root.read_int64("sequence_document");
  corpus.n_documents = root.int_attribute("n_documents");
  corpus.n_replaced = root.int_attribute("n_replaced");
  corpus.n_skipped_empty = root.int_attribute("n_skipped_empty");
  TokenCacheInfo& info = cache.info;
  info.tokenizer = root.string_attribute("tokenizer");
  info.tokenizer_sha256 = root.string_attribute("tokenizer_sha256");
  info.config_hash = root.string_attribute("config_hash");
  info.max_order = root.int_attribute("max_order");
  info.window = root.string_attribute("window");
  info.max_length = root.int_attribute("max_length");
  info.sequences = root.string_attribute("sequences");
  validate(cache, path.string());
  return cache;
}

TokenizedCorpus read_token_cache(const fs::path& path, const TokenCacheInfo& expected) {
  TokenCache cache = read_token_cache(path);
  const std::string& sha = cache.info.tokenizer_sha256;
  const std::string& hash = cache.info.config_hash;
  if (sha != expected.tokenizer_sha256 || hash != expected.config_hash)
    throw InputError(path.string() + ": token cache made for tokenizer " + sha.substr(0, 16) + " and config " +
                     hash.substr(0, 16) + ", expected tokenizer " + expected.tokenizer_sha256.substr(0, 16) + " and config " +
                     expected.config_hash.substr(0, 16) + "; delete it to rebuild");
  return std::move(cache.corpus);
}

}  // namespace infobound::corpus
