#include "infobound/corpus/documents.hpp"

#include <zlib.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "infobound/core/error.hpp"
#include "infobound/core/hf_cache.hpp"
#include "infobound/core/input_file.hpp"
#include "infobound/core/utf8.hpp"

namespace infobound::corpus {
namespace fs = std::filesystem;
namespace {

std::string read_plain(const fs::path& path) { return read_input_file(path, "corpus file"); }

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
  return std::all_of(line.begin(), line.end(),
                     [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; });
}

}  // namespace

std::string to_valid_utf8(std::string_view bytes, bool replace, std::string_view document, bool* replaced) {
  if (!replace)
    if (const auto offset = first_invalid_utf8(bytes))
      throw InputError(std::string(document) + ": invalid UTF-8 at byte offset " + std::to_string(*offset) +
                       " (set corpus.invalid_utf8: replace to substitute U+FFFD)");
  return infobound::to_valid_utf8(bytes, InvalidUtf8::replace, document, replaced);
}

fs::path source_file(const CorpusSource& source) {
  if (source.dataset.empty()) return source.path;
  return resolve_hub_dataset_file(source.dataset, source.path.string());
}

std::string render_messages(const nlohmann::json& messages, const CorpusSource& source, const std::string& where) {
  if (!messages.is_array() || messages.empty())
    throw InputError(where + ": expected a non-empty list of messages {role, content}");
  std::string text;
  for (std::size_t i = 0; i < messages.size(); ++i) {
    const auto& m = messages[i];
    const std::string at = where + " message " + std::to_string(i);
    if (!m.is_object() || !m.contains("role") || !m.contains("content") || !m["role"].is_string() || !m["content"].is_string())
      throw InputError(at + ": expected an object with string fields 'role' and 'content'");
    const std::string role = m["role"].get<std::string>();
    const auto prefix = source.role_prefixes.find(role);
    if (prefix == source.role_prefixes.end()) {
      std::string known;
      for (const auto& [name, value] : source.role_prefixes) known += (known.empty() ? "" : ", ") + name;
      throw InputError(at + ": role '" + role + "' has no prefix in the source's role_prefixes (known: " + known + ")");
    }
    text += prefix->second + m["content"].get<std::string>();
  }
  return text;
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

std::vector<Document> read_documents(const CorpusSource& source, bool replace_invalid_utf8, ReadStats& stats,
                                     const Utf8Repair& repair) {
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
        if (!j.is_object() || !j.contains(name))
          throw InputError(where + ": no field '" + name + "' (set the source's field name in the config)");
        if (!j.at(name).is_string()) throw InputError(where + ": field '" + name + "' is not a string");
        return j.at(name).get<std::string>();
      };
      // A preference side is an HH-RLHF dialogue string, or a list of chat messages {role,
      // content} (Tulu 3 preference mixtures) rendered with the source's role prefixes.
      auto dialogue = [&](const std::string& name) {
        if (j.is_object() && j.contains(name) && j.at(name).is_array())
          return render_messages(j.at(name), source, where + ": field '" + name + "'");
        return field(name);
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
        d.text = dialogue(source.chosen_field);
        d.rejected = dialogue(source.rejected_field);
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
