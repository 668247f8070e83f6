#include "infobound/corpus/documents.hpp"

#include <zlib.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "infobound/core/error.hpp"
#include "infobound/core/hf_cache.hpp"
#include "infobound/core/input_file.hpp"

namespace infobound::corpus {
namespace fs = std::filesystem;
namespace {

std::string read_plain(const fs::path& path) {
  return read_input_file(path, "corpus file");
}

std::string read_gzip(const fs::path& path) {
  require_input_file(path, "corpus file");
  gzFile file = gzopen(path.c_str(), "rb");
  if (!file) throw InputError(path.string() + ": corpus file not found or not readable");
  std::string bytes;
  char buffer[1 << 16];
  int n = 0;
  while ((n = gzread(file, buffer, sizeof buffer)) > 0) bytes.append(buffer, static_cast<std::size_t>(n));
  int code = 0;
  const char* message = gzerror(file, &code);
  const std::string error = (n < 0 || code < 0) ? std::string(message ? message : "gzip error") : "";
  gzclose(file);
  if (!error.empty()) throw InputError(path.string() + ": cannot decompress: " + error);
  return bytes;
}

bool blank(std::string_view line) {
  return std::all_of(line.begin(), line.end(), [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; });
}

// Length of the valid UTF-8 sequence starting at `i`, or 0 if invalid; `maximal` receives the
// length of the maximal subpart of an invalid one (Unicode 3.9 / Python "replace" semantics).
std::size_t utf8_sequence(std::string_view s, std::size_t i, std::size_t& maximal) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = byte(i);
  maximal = 1;
  if (c < 0x80) return 1;
  std::size_t length = 0;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) length = 2;
  else if (c == 0xE0) length = 3, lo = 0xA0;
  else if (c >= 0xE1 && c <= 0xEC) length = 3;
  else if (c == 0xED) length = 3, hi = 0x9F;
  else if (c >= 0xEE && c <= 0xEF) length = 3;
  else if (c == 0xF0) length = 4, lo = 0x90;
  else if (c >= 0xF1 && c <= 0xF3) length = 4;
  else if (c == 0xF4) length = 4, hi = 0x8F;
  else return 0;
  for (std::size_t k = 1; k < length; ++k) {
    if (i + k >= s.size()) return 0;
    const unsigned char next = byte(i + k);
    const unsigned char low = k == 1 ? lo : 0x80, high = k == 1 ? hi : 0xBF;
    if (next < low || next > high) return 0;
    maximal = k + 1;
  }
  return length;
}

}  // namespace

std::string to_valid_utf8(std::string_view bytes, bool replace, std::string_view document, bool* replaced) {
  std::string out;
  bool changed = false;
  std::size_t i = 0;
  while (i < bytes.size()) {
    std::size_t maximal = 1;
    const std::size_t length = utf8_sequence(bytes, i, maximal);
    if (length > 0) {
      out.append(bytes.substr(i, length));
      i += length;
      continue;
    }
    if (!replace)
      throw InputError(std::string(document) + ": invalid UTF-8 at byte offset " + std::to_string(i) +
                       " (set corpus.invalid_utf8: replace to substitute U+FFFD)");
    out += "\xEF\xBF\xBD";
    changed = true;
    i += maximal;
  }
  if (replaced) *replaced = changed;
  return out;
}

fs::path source_file(const CorpusSource& source) {
  if (source.dataset.empty()) return source.path;
  return resolve_hub_dataset_file(source.dataset, source.path.string());
}

std::vector<std::pair<std::string, int64_t>> split_text(std::string_view text, TextSplit split) {
  std::vector<std::pair<std::string, int64_t>> documents;
  if (split == TextSplit::whole) {
    documents.emplace_back(std::string(text), 1);
    return documents;
  }
  std::string current;
  int64_t current_line = 0;
  int64_t line_number = 0;
  std::size_t start = 0;
  auto flush = [&] {
    if (!current.empty()) documents.emplace_back(std::move(current), current_line);
    current.clear();
  };
  while (start <= text.size()) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    std::string_view line = text.substr(start, end - start);
    ++line_number;
    if (split == TextSplit::lines) {
      if (!blank(line)) documents.emplace_back(std::string(line), line_number);
    } else if (blank(line)) {
      flush();
    } else {
      if (current.empty()) current_line = line_number;
      else current += '\n';
      current += line;
    }
    if (end == text.size()) break;
    start = end + 1;
  }
  flush();
  return documents;
}

std::vector<Document> read_documents(const CorpusSource& source, bool replace_invalid_utf8, ReadStats& stats, const Utf8Repair& repair) {
  const fs::path path = source_file(source);
  const std::string bytes = path.extension() == ".gz" ? read_gzip(path) : read_plain(path);
  const std::string file = path.string();
  std::vector<Document> documents;
  int64_t index = 0;  // among non-empty documents, for skip/max
  auto want_more = [&] { return !source.max_documents || static_cast<int64_t>(documents.size()) < *source.max_documents; };
  auto accept = [&](Document&& document) {
    if (index++ < source.skip_documents) return;
    if (want_more()) documents.push_back(std::move(document));
  };

  if (source.format == SourceFormat::text) {
    for (auto& [text, line] : split_text(bytes, source.split)) {
      if (!want_more()) break;
      if (blank(text)) {
        ++stats.skipped_empty;
        continue;
      }
      Document d;
      d.name = file + " document " + std::to_string(index) + " (line " + std::to_string(line) + ")";
      bool replaced = false;
      d.text = repair(text, replace_invalid_utf8, d.name, &replaced);
      stats.replaced += replaced;
      accept(std::move(d));
    }
  } else {
    std::size_t start = 0;
    int64_t line_number = 0;
    while (start < bytes.size() && want_more()) {
      const std::size_t end = std::min(bytes.find('\n', start), bytes.size());
      const std::string_view raw = std::string_view(bytes).substr(start, end - start);
      start = end + 1;
      ++line_number;
      if (blank(raw)) continue;
      const std::string where = file + " line " + std::to_string(line_number);
      bool replaced = false;
      const std::string line = repair(raw, replace_invalid_utf8, where, &replaced);
      nlohmann::json j;
      try {
        j = nlohmann::json::parse(line);
      } catch (const nlohmann::json::parse_error& e) {
        throw InputError(where + ": invalid JSON: " + e.what());
      }
      auto field = [&](const std::string& name) {
        if (!j.is_object() || !j.contains(name)) throw InputError(where + ": no field '" + name + "' (set the source's field name in the config)");
        if (!j.at(name).is_string()) throw InputError(where + ": field '" + name + "' is not a string");
        return j.at(name).get<std::string>();
      };
      Document d;
      d.name = where;
      if (source.format == SourceFormat::jsonl) {
        d.text = field(source.text_field);
        if (blank(d.text)) {
          ++stats.skipped_empty;
          continue;
        }
      } else {
        d.text = field(source.chosen_field);
        d.rejected = field(source.rejected_field);
        d.is_pair = true;
        if (blank(d.text) || blank(d.rejected)) {
          ++stats.skipped_empty;
          continue;
        }
      }
      stats.replaced += replaced;
      accept(std::move(d));
    }
  }
  stats.documents += static_cast<int64_t>(documents.size());
  return documents;
}

}  // namespace infobound::corpus
