#include "bpe_model.hpp"

#include <cstdio>
#include <queue>

#include "utf8.hpp"

namespace infobound::tokenize {
namespace {

std::optional<std::string> optional_string(const Json& model, std::string_view key, const std::string& where) {
  if (!has_value(model, key)) return std::nullopt;
  return string_field(model, key, where);
}

// A merge rule as two token strings, from "a b" (one space) or ["a", "b"].
std::pair<std::string, std::string> parse_merge(const Json& merge, std::size_t index, const std::string& where) {
  const std::string at = where + ": model.merges[" + std::to_string(index) + "]";
  if (merge.is_string()) {
    const auto text = merge.get_ref<const std::string&>();
    const auto space = text.find(' ');
    if (space == std::string::npos || text.find(' ', space + 1) != std::string::npos) {
      throw InputError(at + " (\"" + text + "\") must be two tokens separated by one space");
    }
    return {text.substr(0, space), text.substr(space + 1)};
  }
  if (merge.is_array() && merge.size() == 2 && merge[0].is_string() && merge[1].is_string()) {
    return {merge[0].get<std::string>(), merge[1].get<std::string>()};
  }
  throw InputError(at + " must be a string \"a b\" or a pair [\"a\", \"b\"]");
}

struct QueuedMerge {
  uint32_t rank;
  uint32_t new_id;
  int32_t pos;
};
// The lowest rank first, then the leftmost position (the reference's min-heap order).
struct LaterMerge {
  bool operator()(const QueuedMerge& a, const QueuedMerge& b) const { return a.rank != b.rank ? a.rank > b.rank : a.pos > b.pos; }
};

}  // namespace

// How far ids may run past the number of vocabulary entries (holes left by removed tokens).
constexpr std::size_t kMaxVocabularyGap = 65536;

void MergeTable::reserve(std::size_t count) {
  std::size_t capacity = 16;
  while (capacity < count * 2) capacity *= 2;
  std::vector<Entry> old = std::move(slots_);
  slots_.assign(capacity, Entry{});
  mask_ = capacity - 1;
  size_ = 0;
  for (const Entry& entry : old) {
    if (entry.key != kEmpty) insert_or_assign(entry.key, entry.rank, entry.new_id);
  }
}

void MergeTable::insert_or_assign(uint64_t key, uint32_t rank, uint32_t new_id) {
  if ((size_ + 1) * 2 > slots_.size()) reserve(size_ + 1);
  for (uint64_t slot = mix(key) & mask_;; slot = (slot + 1) & mask_) {
    Entry& entry = slots_[slot];
    if (entry.key == key) {
      entry.rank = rank;
      entry.new_id = new_id;
      return;
    }
    if (entry.key == kEmpty) {
      entry = Entry{key, rank, new_id};
      ++size_;
      return;
    }
  }
}

std::unique_ptr<BpeModel> BpeModel::from_json(const Json& model, const std::string& where) {
  auto bpe = std::make_unique<BpeModel>();
  bpe->where_ = where;
  if (has_value(model, "dropout")) {
    const Json& dropout = model["dropout"];
    if (!dropout.is_number() || dropout.get<double>() != 0.0) {
      throw InputError(where + ": model.dropout is set; BPE dropout makes tokenization random and is not supported");
    }
  }
  const Json& vocab = require_field(model, "vocab", where + ": model");
  if (!vocab.is_object()) throw InputError(where + ": model.vocab must be an object {token: id} for a BPE model");
  bpe->vocab_.reserve(vocab.size());
  uint32_t max_id = 0;
  for (const auto& [token, id] : vocab.items()) {
    if (!id.is_number_integer() || id.get<int64_t>() < 0 || id.get<int64_t>() > INT32_MAX) {
      throw InputError(where + ": model.vocab[\"" + token + "\"] must be a non-negative integer id");
    }
    const auto value = static_cast<uint32_t>(id.get<int64_t>());
    bpe->vocab_[token] = value;
    max_id = std::max(max_id, value);
  }
  // The id table is indexed by id: ids far beyond the number of entries (a damaged file) would make
  // it allocate what the file cannot justify. Tokenizers number their vocabulary 0..N-1.
  if (!vocab.empty() && max_id >= vocab.size() + kMaxVocabularyGap)
    throw InputError(where + ": model.vocab has " + std::to_string(vocab.size()) + " entries but uses id " +
                     std::to_string(max_id) + " (ids of a vocabulary run 0..N-1)");
  bpe->id_to_token_.assign(vocab.empty() ? 0 : max_id + 1, nullptr);
  for (const auto& [token, id] : bpe->vocab_) bpe->id_to_token_[id] = &token;

  bpe->unk_token_ = optional_string(model, "unk_token", where);
  bpe->continuing_subword_prefix_ = optional_string(model, "continuing_subword_prefix", where);
  bpe->end_of_word_suffix_ = optional_string(model, "end_of_word_suffix", where);
  bpe->byte_fallback_ = bool_field(model, "byte_fallback", false, where + ": model");
  bpe->fuse_unk_ = bool_field(model, "fuse_unk", false, where + ": model");
  bpe->ignore_merges_ = bool_field(model, "ignore_merges", false, where + ": model");

  const Json& merges = require_field(model, "merges", where + ": model");
  if (!merges.is_array()) throw InputError(where + ": model.merges must be a list");
  const std::size_t prefix_length = bpe->continuing_subword_prefix_ ? bpe->continuing_subword_prefix_->size() : 0;
  bpe->merges_.reserve(merges.size());
  for (std::size_t rank = 0; rank < merges.size(); ++rank) {
    // Named references, not a structured binding: clang 14 (the fuzz build) cannot capture those.
    const auto merge = parse_merge(merges[rank], rank, where);
    const std::string& left = merge.first;
    const std::string& right = merge.second;
    const auto id_of = [&](const std::string& token) {
      const auto it = bpe->vocab_.find(token);
      if (it == bpe->vocab_.end()) {
        throw InputError(where + ": model.merges[" + std::to_string(rank) + "] (\"" + left + "\", \"" + right +
                         "\") needs token \"" + token + "\", which is not in model.vocab");
      }
      return it->second;
    };
    if (right.size() < prefix_length) {
      throw InputError(where + ": model.merges[" + std::to_string(rank) + "]: \"" + right +
                       "\" is shorter than continuing_subword_prefix");
    }
    const uint32_t left_id = id_of(left);
    const uint32_t right_id = id_of(right);
    const uint32_t new_id = id_of(left + right.substr(prefix_length));
    // A repeated pair takes its last rank, as the reference's map construction does.
    bpe->merges_.insert_or_assign(pair_key(left_id, right_id), static_cast<uint32_t>(rank), new_id);
  }
  bpe->bmp_char_ids_.assign(0x10000, -1);
  for (const auto& [token, id] : bpe->vocab_) {
    const char32_t cp = utf8::single_code_point(token);
    if (cp < 0x10000) bpe->bmp_char_ids_[cp] = static_cast<int32_t>(id);
  }
  return bpe;
}

std::optional<uint32_t> BpeModel::token_to_id(std::string_view token) const {
  const auto it = vocab_.find(token);
  if (it == vocab_.end()) return std::nullopt;
  return it->second;
}

const std::string* BpeModel::id_to_token(uint32_t id) const { return id < id_to_token_.size() ? id_to_token_[id] : nullptr; }

void BpeModel::initial_symbols(std::string_view word, std::vector<Symbol>& symbols) const {
  const auto add = [&symbols](uint32_t id, uint32_t length) {
    const auto index = static_cast<int32_t>(symbols.size());
    if (index > 0) symbols.back().next = index;
    symbols.push_back({id, index - 1, -1, length});
  };
  // An unknown run not yet added: fused with the next unknown character when fuse_unk.
  bool has_pending_unk = false;
  uint32_t pending_unk_id = 0;
  uint32_t pending_unk_length = 0;
  std::string decorated;
  std::size_t pos = 0;
  while (pos < word.size()) {
    const std::size_t length = utf8::char_length(static_cast<unsigned char>(word[pos]));
    const bool is_first = pos == 0;
    const bool is_last = pos + length >= word.size();
    std::string_view unit = word.substr(pos, length);
    if ((!is_first && continuing_subword_prefix_) || (is_last && end_of_word_suffix_)) {
      decorated.clear();
      if (!is_first && continuing_subword_prefix_) decorated += *continuing_subword_prefix_;
      decorated += unit;
      if (is_last && end_of_word_suffix_) decorated += *end_of_word_suffix_;
      unit = decorated;
    }
    int64_t id = -1;
    if (unit.size() == length) {  // undecorated: one character
      std::size_t at = pos;
      const char32_t cp = utf8::next(word, at);
      if (cp < 0x10000) {
        id = bmp_char_ids_[cp];
      } else if (const auto it = vocab_.find(unit); it != vocab_.end()) {
        id = it->second;
      }
    } else if (const auto it = vocab_.find(unit); it != vocab_.end()) {
      id = it->second;
    }
    pos += length;
    if (id >= 0) {
      if (has_pending_unk) {
        add(pending_unk_id, pending_unk_length);
        has_pending_unk = false;
      }
      add(static_cast<uint32_t>(id), static_cast<uint32_t>(length));
      continue;
    }
    if (byte_fallback_) {
      std::vector<uint32_t> byte_ids;
      bool all_found = true;
      for (std::size_t i = 0; all_found && i < unit.size(); ++i) {
        char name[8];
        std::snprintf(name, sizeof name, "<0x%02X>", static_cast<unsigned char>(unit[i]));
        const auto it = vocab_.find(std::string_view(name));
        all_found = it != vocab_.end();
        if (all_found) byte_ids.push_back(it->second);
      }
      if (all_found) {
        for (std::size_t i = 0; i < unit.size(); ++i) add(byte_ids[i], 1);
        continue;
      }
    }
    if (unk_token_) {
      const auto unk = vocab_.find(*unk_token_);
      if (unk == vocab_.end()) {
        throw InputError(where_ + ": model.unk_token \"" + *unk_token_ + "\" is not in model.vocab");
      }
      if (has_pending_unk && fuse_unk_) {
        pending_unk_length += static_cast<uint32_t>(length);
      } else {
        if (has_pending_unk) add(pending_unk_id, pending_unk_length);
        has_pending_unk = true;
        pending_unk_id = unk->second;
        pending_unk_length = static_cast<uint32_t>(length);
      }
    }
    // Without unk_token the character is dropped, as the reference does.
  }
  if (has_pending_unk) add(pending_unk_id, pending_unk_length);
}

void BpeModel::merge_all(std::vector<Symbol>& symbols) const {
  std::priority_queue<QueuedMerge, std::vector<QueuedMerge>, LaterMerge> queue;
  using Merge = MergeTable::Entry;
  const auto lookup = [this](uint32_t left, uint32_t right) { return merges_.find(pair_key(left, right)); };
  for (std::size_t i = 0; i + 1 < symbols.size(); ++i) {
    if (const Merge* m = lookup(symbols[i].id, symbols[i + 1].id)) {
      queue.push({m->rank, m->new_id, static_cast<int32_t>(i)});
    }
  }
  while (!queue.empty()) {
    const QueuedMerge top = queue.top();
    queue.pop();
    Symbol& current = symbols[top.pos];
    if (current.length == 0 || current.next == -1) continue;
    const int32_t right_pos = current.next;
    const Symbol right = symbols[right_pos];
    // Skip entries made stale by an earlier merge of either side.
    const Merge* still = lookup(current.id, right.id);
    if (still == nullptr || still->new_id != top.new_id) continue;

    current.id = top.new_id;
    current.length += right.length;
    current.next = right.next;
    symbols[right_pos].length = 0;
    if (right.next >= 0 && static_cast<std::size_t>(right.next) < symbols.size()) symbols[right.next].prev = top.pos;

    if (current.prev >= 0) {
      if (const Merge* m = lookup(symbols[current.prev].id, current.id)) queue.push({m->rank, m->new_id, current.prev});
    }
    if (current.next >= 0 && static_cast<std::size_t>(current.next) < symbols.size()) {
      if (const Merge* m = lookup(current.id, symbols[current.next].id)) queue.push({m->rank, m->new_id, top.pos});
    }
  }
}

void BpeModel::tokenize_uncached(std::string_view word, std::vector<uint32_t>& ids) const {
  std::vector<Symbol> symbols;
  symbols.reserve(word.size());
  initial_symbols(word, symbols);
  merge_all(symbols);
  for (const Symbol& s : symbols) {
    if (s.length != 0) ids.push_back(s.id);
  }
}

void BpeModel::tokenize(std::string_view word, std::vector<int64_t>& ids) const {
  if (word.empty()) return;
  if (ignore_merges_) {
    if (const auto it = vocab_.find(word); it != vocab_.end()) {
      ids.push_back(it->second);
      return;
    }
  }
  const bool cacheable = word.size() < kMaxCachedWordBytes;
  if (cacheable) {
    std::lock_guard lock(cache_mutex_);
    if (const auto it = cache_.find(word); it != cache_.end()) {
      ids.insert(ids.end(), it->second.begin(), it->second.end());
      return;
    }
  }
  std::vector<uint32_t> word_ids;
  tokenize_uncached(word, word_ids);
  ids.insert(ids.end(), word_ids.begin(), word_ids.end());
  if (cacheable) {
    std::lock_guard lock(cache_mutex_);
    // A full cache starts over, so it follows the words of the current text.
    if (cache_.size() >= kCacheCapacity) cache_.clear();
    cache_.emplace(std::string(word), std::move(word_ids));
  }
}

}  // namespace infobound::tokenize
