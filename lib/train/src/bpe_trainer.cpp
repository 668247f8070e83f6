#include "infobound/train/bpe_trainer.hpp"

#include <algorithm>
#include <fstream>
#include <limits>
#include <map>
#include <unordered_set>

#include "infobound/core/atomic_file.hpp"
#include "infobound/core/error.hpp"
#include "infobound/io/json_file.hpp"
#include "infobound/train/byte_level.hpp"

namespace infobound::train {
namespace {

uint64_t pair_key(int64_t left, int64_t right) { return (static_cast<uint64_t>(left) << 32) | static_cast<uint64_t>(right); }

// Splits text around exact occurrences of the special tokens (longest first at each position),
// calling on_text for ordinary text and on_special for each special token's index.
template <typename OnText, typename OnSpecial>
void split_specials(std::string_view text, const std::vector<std::string>& specials, OnText on_text, OnSpecial on_special) {
  std::size_t segment_start = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    int found = -1;
    std::size_t found_length = 0;
    for (std::size_t s = 0; s < specials.size(); ++s) {
      const auto& special = specials[s];
      if (special.size() > found_length && text.substr(pos, special.size()) == special) {
        found = static_cast<int>(s);
        found_length = special.size();
      }
    }
    if (found < 0) {
      ++pos;
      continue;
    }
    if (pos > segment_start) on_text(text.substr(segment_start, pos - segment_start));
    on_special(found);
    pos += found_length;
    segment_start = pos;
  }
  if (segment_start < text.size()) on_text(text.substr(segment_start));
}

// One distinct pre-token of the corpus during training: its symbols and how often it occurs.
struct Word {
  std::vector<int64_t> symbols;
  int64_t count = 0;
};

class PairCounter {
 public:
  void add_word(const Word& word, std::size_t index, int64_t sign) {
    for (std::size_t i = 0; i + 1 < word.symbols.size(); ++i) {
      const uint64_t key = pair_key(word.symbols[i], word.symbols[i + 1]);
      counts_[key] += sign * word.count;
      if (sign > 0) where_[key].insert(index);
    }
  }
  // The most frequent pair (smaller key on ties); count 0 when none is left.
  std::pair<uint64_t, int64_t> best() const {
    uint64_t best_key = 0;
    int64_t best_count = 0;
    for (const auto& [key, count] : counts_) {
      if (count > best_count || (count == best_count && count > 0 && key < best_key)) {
        best_key = key;
        best_count = count;
      }
    }
    return {best_key, best_count};
  }
  std::vector<std::size_t> words_with(uint64_t key) {
    const auto it = where_.find(key);
    if (it == where_.end()) return {};
    std::vector<std::size_t> out(it->second.begin(), it->second.end());
    std::sort(out.begin(), out.end());
    where_.erase(it);
    return out;
  }
  void drop(uint64_t key) { counts_.erase(key); }

 private:
  std::unordered_map<uint64_t, int64_t> counts_;
  std::unordered_map<uint64_t, std::unordered_set<std::size_t>> where_;
};

// Merges every non-overlapping occurrence of (left, right), left to right.
bool merge_in_place(std::vector<int64_t>& symbols, int64_t left, int64_t right, int64_t merged) {
  bool changed = false;
  std::size_t out = 0;
  for (std::size_t i = 0; i < symbols.size(); ++i) {
    if (i + 1 < symbols.size() && symbols[i] == left && symbols[i + 1] == right) {
      symbols[out++] = merged;
      ++i;
      changed = true;
    } else {
      symbols[out++] = symbols[i];
    }
  }
  symbols.resize(out);
  return changed;
}

}  // namespace

ByteLevelBpe ByteLevelBpe::train(std::string_view corpus, const BpeTrainerOptions& options, std::string_view document) {
  const auto n_special = static_cast<int64_t>(options.special_tokens.size());
  if (options.vocab_size < n_special + 256) {
    throw InputError(std::string(document) + ": tokenizer vocab_size " + std::to_string(options.vocab_size) + " is below the " +
                     std::to_string(n_special + 256) + " tokens of the byte alphabet and special tokens");
  }
  for (const auto& special : options.special_tokens) {
    if (special.empty()) throw InputError(std::string(document) + ": empty special token in the tokenizer options");
  }
  if (options.vocab_size > std::numeric_limits<int32_t>::max()) throw InputError("tokenizer vocab_size too large");

  ByteLevelBpe bpe;
  bpe.special_tokens_ = options.special_tokens;
  std::unordered_map<std::string, int64_t> token_ids;
  auto add_token = [&](const std::string& token) {
    const auto [it, inserted] = token_ids.try_emplace(token, bpe.vocab_size());
    if (inserted) bpe.tokens_.push_back(token);
    return it->second;
  };
  for (const auto& special : options.special_tokens) {
    if (add_token(special) != bpe.vocab_size() - 1) {
      throw InputError(std::string(document) + ": special token '" + special + "' is listed twice");
    }
  }
  for (const uint8_t byte : alphabet_bytes_by_code_point()) {
    bpe.byte_ids_[byte] = add_token(byte_symbol(byte));
    if (bpe.byte_ids_[byte] < n_special) {
      throw InputError(std::string(document) + ": special token '" + byte_symbol(byte) + "' is a byte symbol of the alphabet");
    }
  }

  // Distinct pre-tokens in sorted order, so that training does not depend on hash order.
  const Gpt2PreTokenizer pre_tokenizer;
  std::unordered_map<std::string_view, int64_t> counts;
  split_specials(
      corpus, options.special_tokens,
      [&](std::string_view text) {
        for (const auto piece : pre_tokenizer.split(text, document)) ++counts[piece];
      },
      [](int) {});
  if (counts.empty()) throw InputError(std::string(document) + ": empty corpus, nothing to train a tokenizer on");
  std::map<std::string_view, int64_t> sorted(counts.begin(), counts.end());
  std::vector<Word> words;
  words.reserve(sorted.size());
  for (const auto& [piece, count] : sorted) {
    Word word{{}, count};
    for (const char c : piece) word.symbols.push_back(bpe.byte_ids_[static_cast<uint8_t>(c)]);
    words.push_back(std::move(word));
  }

  PairCounter pairs;
  for (std::size_t w = 0; w < words.size(); ++w) pairs.add_word(words[w], w, +1);
  while (bpe.vocab_size() < options.vocab_size) {
    const auto [key, count] = pairs.best();
    if (count < std::max<int64_t>(options.min_frequency, 1)) break;
    const auto left = static_cast<int64_t>(key >> 32);
    const auto right = static_cast<int64_t>(key & 0xFFFFFFFFu);
    const auto merged = add_token(bpe.tokens_[left] + bpe.tokens_[right]);
    bpe.merges_.push_back({left, right, merged});
    for (const std::size_t w : pairs.words_with(key)) {
      pairs.add_word(words[w], w, -1);
      merge_in_place(words[w].symbols, left, right, merged);
      pairs.add_word(words[w], w, +1);
    }
    pairs.drop(key);
  }
  for (int64_t id = 0; id < n_special; ++id) bpe.special_ids_.push_back(id);
  bpe.index();
  return bpe;
}

ByteLevelBpe ByteLevelBpe::load(const std::filesystem::path& path) {
  return from_tokenizer_json(io::read_json_file(path), path.string());
}

ByteLevelBpe ByteLevelBpe::from_tokenizer_json(const nlohmann::json& json, const std::string& source) {
  auto fail = [&](const std::string& what) { throw InputError(source + ": " + what); };
  auto expect_type = [&](const char* key, const char* type) {
    if (!json.contains(key) || !json[key].is_object() || json[key].value("type", "") != type) {
      fail(std::string("expected ") + key + " of type " + type + " (a byte-level BPE tokenizer.json)");
    }
  };
  if (!json.is_object()) fail("not a tokenizer.json object");
  if (json.contains("normalizer") && !json["normalizer"].is_null()) fail("unsupported normalizer in a byte-level BPE tokenizer");
  expect_type("pre_tokenizer", "ByteLevel");
  // Older files (GPT-2's) omit model.type; HF then infers BPE from vocab + merges.
  if (!json.contains("model") || !json["model"].is_object() || json["model"].value("type", "BPE") != "BPE") {
    fail("expected model of type BPE (a byte-level BPE tokenizer.json)");
  }
  const auto& pre = json["pre_tokenizer"];
  if (pre.value("add_prefix_space", false) || !pre.value("use_regex", true)) {
    fail("only ByteLevel pre_tokenizer with add_prefix_space=false and use_regex=true is supported here");
  }
  const auto& model = json["model"];
  for (const char* key : {"unk_token", "continuing_subword_prefix", "end_of_word_suffix"}) {
    if (model.contains(key) && !model[key].is_null() && !(model[key].is_string() && model[key].get<std::string>().empty())) {
      fail(std::string("unsupported BPE option model.") + key);
    }
  }
  if (!model.contains("vocab") || !model["vocab"].is_object()) fail("model.vocab is missing");
  if (!model.contains("merges") || !model["merges"].is_array()) fail("model.merges is missing");

  ByteLevelBpe bpe;
  std::unordered_map<std::string, int64_t> token_ids;
  const auto& vocab = model["vocab"];
  bpe.tokens_.assign(vocab.size(), std::string());
  std::vector<bool> seen(vocab.size(), false);
  for (const auto& [token, id_json] : vocab.items()) {
    const auto id = id_json.get<int64_t>();
    if (id < 0 || id >= static_cast<int64_t>(vocab.size()) || seen[id]) fail("model.vocab ids are not 0..n-1 without gaps");
    seen[id] = true;
    bpe.tokens_[id] = token;
    token_ids[token] = id;
  }
  for (int b = 0; b < 256; ++b) {
    const auto it = token_ids.find(byte_symbol(static_cast<uint8_t>(b)));
    if (it == token_ids.end()) fail("model.vocab lacks the byte symbol of byte " + std::to_string(b));
    bpe.byte_ids_[b] = it->second;
  }
  auto id_of = [&](const std::string& token) {
    const auto it = token_ids.find(token);
    if (it == token_ids.end()) fail("merge names unknown token '" + token + "'");
    return it->second;
  };
  for (const auto& merge : model["merges"]) {
    std::string left, right;
    if (merge.is_string()) {
      const std::string text = merge;
      const auto space = text.find(' ');
      if (space == std::string::npos) fail("merge '" + text + "' is not 'left right'");
      left = text.substr(0, space);
      right = text.substr(space + 1);
    } else if (merge.is_array() && merge.size() == 2) {
      left = merge[0];
      right = merge[1];
    } else {
      fail("a merge is neither 'left right' nor [left, right]");
    }
    bpe.merges_.push_back({id_of(left), id_of(right), id_of(left + right)});
  }
  if (json.contains("added_tokens")) {
    for (const auto& added : json["added_tokens"]) {
      const std::string content = added.at("content");
      const auto id = added.at("id").get<int64_t>();
      if (id < 0) fail("added token '" + content + "' has a negative id");
      if (id >= bpe.vocab_size()) bpe.tokens_.resize(id + 1);
      bpe.tokens_[id] = content;
      bpe.special_tokens_.push_back(content);
      bpe.special_ids_.push_back(id);
    }
  }
  bpe.index();
  return bpe;
}

void ByteLevelBpe::index() {
  merge_rank_.clear();
  for (std::size_t rank = 0; rank < merges_.size(); ++rank) {
    merge_rank_[pair_key(merges_[rank].left, merges_[rank].right)] = static_cast<int64_t>(rank);
  }
}

void ByteLevelBpe::encode_word(std::string_view word, std::vector<int64_t>& out) const {
  std::vector<int64_t> symbols;
  symbols.reserve(word.size());
  for (const char c : word) symbols.push_back(byte_ids_[static_cast<uint8_t>(c)]);
  while (symbols.size() > 1) {
    int64_t best_rank = std::numeric_limits<int64_t>::max();
    for (std::size_t i = 0; i + 1 < symbols.size(); ++i) {
      const auto it = merge_rank_.find(pair_key(symbols[i], symbols[i + 1]));
      if (it != merge_rank_.end() && it->second < best_rank) best_rank = it->second;
    }
    if (best_rank == std::numeric_limits<int64_t>::max()) break;
    const Merge& merge = merges_[static_cast<std::size_t>(best_rank)];
    merge_in_place(symbols, merge.left, merge.right, merge.merged);
  }
  out.insert(out.end(), symbols.begin(), symbols.end());
}

std::vector<int64_t> ByteLevelBpe::encode(std::string_view text) const {
  static const Gpt2PreTokenizer pre_tokenizer;
  std::vector<int64_t> ids;
  std::unordered_map<std::string_view, std::vector<int64_t>> cache;  // words repeat a lot in real text
  split_specials(
      text, special_tokens_,
      [&](std::string_view segment) {
        for (const auto piece : pre_tokenizer.split(segment)) {
          auto [it, inserted] = cache.try_emplace(piece);
          if (inserted) encode_word(piece, it->second);
          ids.insert(ids.end(), it->second.begin(), it->second.end());
        }
      },
      [&](int special) { ids.push_back(special_ids_[special]); });
  return ids;
}

std::string ByteLevelBpe::decode(std::span<const int64_t> ids, bool skip_special_tokens) const {
  std::string out;
  for (const int64_t id : ids) {
    if (id < 0 || id >= vocab_size()) throw InputError("decode: token id " + std::to_string(id) + " is outside the vocabulary");
    if (std::find(special_ids_.begin(), special_ids_.end(), id) != special_ids_.end()) {
      if (!skip_special_tokens) out += tokens_[id];
      continue;
    }
    if (!symbols_to_bytes(tokens_[id], out)) {
      throw InputError("decode: token " + std::to_string(id) + " is not made of byte-level symbols");
    }
  }
  return out;
}

nlohmann::ordered_json ByteLevelBpe::to_tokenizer_json() const {
  using json = nlohmann::ordered_json;
  json added = json::array();
  for (std::size_t i = 0; i < special_tokens_.size(); ++i) {
    added.push_back({{"id", special_ids_[i]},
                     {"content", special_tokens_[i]},
                     {"single_word", false},
                     {"lstrip", false},
                     {"rstrip", false},
                     {"normalized", false},
                     {"special", true}});
  }
  json vocab = json::object();
  for (std::size_t id = 0; id < tokens_.size(); ++id) vocab[tokens_[id]] = id;
  json merges = json::array();
  for (const Merge& merge : merges_) merges.push_back(tokens_[merge.left] + " " + tokens_[merge.right]);
  return json{
      {"version", "1.0"},
      {"truncation", nullptr},
      {"padding", nullptr},
      {"added_tokens", added},
      {"normalizer", nullptr},
      {"pre_tokenizer", {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true}, {"use_regex", true}}},
      {"post_processor", {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", false}, {"use_regex", true}}},
      {"decoder", {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true}, {"use_regex", true}}},
      {"model",
       {{"type", "BPE"},
        {"dropout", nullptr},
        {"unk_token", nullptr},
        {"continuing_subword_prefix", nullptr},
        {"end_of_word_suffix", nullptr},
        {"fuse_unk", false},
        {"byte_fallback", false},
        {"ignore_merges", false},
        {"vocab", vocab},
        {"merges", merges}}},
  };
}

void ByteLevelBpe::save(const std::filesystem::path& path) const {
  write_file_atomically(path, to_tokenizer_json().dump(2) + "\n");
}

}  // namespace infobound::train
