#include "infobound/corpus/sequences.hpp"

#include <algorithm>

#include "infobound/core/error.hpp"
#include "infobound/core/error_context.hpp"
#include "infobound/core/log.hpp"

namespace infobound::corpus {
namespace {

struct Encoded {
  std::vector<int64_t> ids;
  std::vector<int8_t> preference;
  int64_t document = 0;
};

std::size_t common_prefix(std::span<const int64_t> a, std::span<const int64_t> b) {
  std::size_t n = 0;
  while (n < a.size() && n < b.size() && a[n] == b[n]) ++n;
  return n;
}

// The response of `full` starts where its encoding leaves the encoding of the prompt alone.
Encoded encode_with_response(const Encoder& encode, const std::string& full, const std::vector<int64_t>& prompt_ids,
                             bool add_special, int8_t label) {
  Encoded e;
  e.ids = encode(full, add_special);
  const std::size_t shared = common_prefix(e.ids, prompt_ids);
  e.preference.assign(e.ids.size(), label);
  std::fill(e.preference.begin(), e.preference.begin() + static_cast<std::ptrdiff_t>(shared), int8_t{-1});
  return e;
}

// The marker as it would be written in YAML, newlines visible.
std::string escaped(std::string_view text) {
  std::string out;
  for (const char c : text) out += c == '\n' ? std::string("\\n") : c == '\t' ? std::string("\\t") : std::string(1, c);
  return out;
}

}  // namespace

std::string preference_prompt(std::string_view chosen, std::string_view rejected, std::string_view response_marker) {
  std::size_t shared = 0;
  while (shared < chosen.size() && shared < rejected.size() && chosen[shared] == rejected[shared]) ++shared;
  // Never cut inside a UTF-8 sequence.
  while (shared > 0 && shared < chosen.size() && (static_cast<unsigned char>(chosen[shared]) & 0xC0) == 0x80) --shared;
  std::string_view prompt = chosen.substr(0, shared);
  if (!response_marker.empty()) {
    // Without the marker the response's start is unknown: a longest-common-prefix guess would
    // label part of the prompt (or of the response) wrongly, so the pair is refused.
    const auto marker = prompt.rfind(response_marker);
    if (marker == std::string_view::npos)
      throw InputError("the pair's common prefix does not contain the response marker \"" + escaped(response_marker) +
                       "\" (set corpus.sources[].response_marker to the text that starts each response, or \"\" for the "
                       "longest common prefix)");
    prompt = prompt.substr(0, marker + response_marker.size());
  }
  return std::string(prompt);
}

TokenizedCorpus tokenize_corpus(const CorpusSpec& spec, const Encoder& encode, const Utf8Repair& repair) {
  TokenizedCorpus corpus;
  std::vector<Encoded> encoded;
  ReadStats stats;
  int64_t document = 0;
  std::vector<std::string> names;
  for (const auto& source : spec.sources) {
    ReadStats source_stats;
    const auto documents = read_documents(source, spec.replace_invalid_utf8, source_stats, repair);
    stats.documents += source_stats.documents;
    stats.replaced += source_stats.replaced;
    stats.skipped_empty += source_stats.skipped_empty;
    log::info("corpus source " + source.name + ": " + std::to_string(source_stats.documents) + " documents, " +
              std::to_string(source_stats.replaced) + " with invalid UTF-8 replaced, " +
              std::to_string(source_stats.skipped_empty) + " empty skipped");
    for (const auto& d : documents) {
      // An error of the tokenizer (or a pair without its marker) names the record it came from.
      try {
        if (d.is_pair) {
          const std::string prompt = preference_prompt(d.text, d.rejected, source.response_marker);
          const std::vector<int64_t> prompt_ids = encode(prompt, spec.add_special_tokens);
          Encoded chosen = encode_with_response(encode, d.text, prompt_ids, spec.add_special_tokens, 1);
          Encoded rejected = encode_with_response(encode, d.rejected, prompt_ids, spec.add_special_tokens, 0);
          chosen.document = rejected.document = document;
          encoded.push_back(std::move(chosen));
          encoded.push_back(std::move(rejected));
        } else {
          Encoded e;
          e.ids = encode(d.text, spec.add_special_tokens);
          e.preference.assign(e.ids.size(), int8_t{-1});
          e.document = document;
          encoded.push_back(std::move(e));
        }
      } catch (...) {
        rethrow_with_context(d.name);
      }
      ++document;
    }
  }
  corpus.n_documents = stats.documents;
  corpus.n_replaced = stats.replaced;
  corpus.n_skipped_empty = stats.skipped_empty;

  const auto max_length = static_cast<std::size_t>(spec.max_length);
  auto append = [&](std::span<const int64_t> ids, std::span<const int8_t> preference, int64_t doc) {
    if (ids.empty()) return;
    corpus.ids.insert(corpus.ids.end(), ids.begin(), ids.end());
    corpus.preference.insert(corpus.preference.end(), preference.begin(), preference.end());
    corpus.offsets.push_back(static_cast<int64_t>(corpus.ids.size()));
    corpus.sequence_document.push_back(doc);
  };
  if (spec.sequences == SequenceMode::per_document) {
    for (const auto& e : encoded) {
      const std::size_t n = std::min(e.ids.size(), max_length);
      append(std::span<const int64_t>(e.ids).first(n), std::span<const int8_t>(e.preference).first(n), e.document);
    }
  } else {
    std::vector<int64_t> ids;
    std::vector<int8_t> preference;
    std::vector<int64_t> token_document;
    for (const auto& e : encoded) {
      ids.insert(ids.end(), e.ids.begin(), e.ids.end());
      preference.insert(preference.end(), e.preference.begin(), e.preference.end());
      token_document.insert(token_document.end(), e.ids.size(), e.document);
    }
    for (std::size_t start = 0; start < ids.size(); start += max_length) {
      const std::size_t n = std::min(max_length, ids.size() - start);
      append(std::span<const int64_t>(ids).subspan(start, n), std::span<const int8_t>(preference).subspan(start, n),
             token_document[start]);
    }
  }
  if (corpus.n_sequences() == 0) {
    std::string files;
    for (const auto& s : spec.sources) files += (files.empty() ? "" : ", ") + s.path.string();
    throw InputError(files + ": the corpus is empty (no non-empty document" +
                     (stats.skipped_empty ? ", " + std::to_string(stats.skipped_empty) + " empty ones skipped" : std::string()) +
                     "; check the file, corpus.sources[].split / text_field / skip_documents)");
  }
  return corpus;
}

}  // namespace infobound::corpus
