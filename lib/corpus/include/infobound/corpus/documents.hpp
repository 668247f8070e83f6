#pragma once
// Reading the documents of a corpus source. A document is a text (valid UTF-8) with a name that
// locates it in its file; a preference source yields pairs (chosen, rejected).
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "infobound/core/config.hpp"

namespace infobound::corpus {

struct Document {
  std::string name;      // "<file> line 12" or "<file> paragraph 3 (line 40)"
  std::string text;      // valid UTF-8
  std::string rejected;  // preference pairs only: `text` is the chosen dialogue
  bool is_pair = false;
};

struct ReadStats {
  int64_t documents = 0;
  int64_t replaced = 0;       // documents where invalid UTF-8 was replaced by U+FFFD
  int64_t skipped_empty = 0;  // empty or whitespace-only documents (not counted in `documents`)
};

// UTF-8 repair: returns valid UTF-8. With `replace` false, throws InputError naming `document` and
// the byte offset of the first invalid sequence; with true, substitutes U+FFFD per maximal invalid
// subpart, as Python's bytes.decode(errors="replace"). Sets *replaced when it changed anything.
using Utf8Repair = std::function<std::string(std::string_view bytes, bool replace, std::string_view document, bool* replaced)>;
// The built-in repair: core/utf8.hpp's, with a hint to corpus.invalid_utf8 in the error.
std::string to_valid_utf8(std::string_view bytes, bool replace, std::string_view document, bool* replaced);

// Reads a source's file (".gz" is decompressed). Throws InputError for a missing file, malformed
// JSON (file and line), a missing field, or invalid UTF-8 without the replace option.
std::vector<Document> read_documents(const CorpusSource& source, bool replace_invalid_utf8, ReadStats& stats,
                                     const Utf8Repair& repair = to_valid_utf8);

// The file a source reads (a cached hub dataset file when `dataset` is set).
std::filesystem::path source_file(const CorpusSource& source);

// A list of chat messages [{role, content}, ...] as one text: for each message the source's
// role_prefixes[role] followed by its content. Throws InputError naming `where` for a malformed
// message or a role without a prefix.
std::string render_messages(const nlohmann::json& messages, const CorpusSource& source, const std::string& where);

// Text splitting alone (exposed for tests): returns (text, first line number) per document.
std::vector<std::pair<std::string, int64_t>> split_text(std::string_view text, TextSplit split);

}  // namespace infobound::corpus
