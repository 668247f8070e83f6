// Decoders: ByteLevel, Metaspace, ByteFallback, Fuse, Strip, Replace, BPEDecoder and Sequence.
#include "components.hpp"
#include "infobound/tokenize/byte_level.hpp"
#include "infobound/tokenize/tokenizer.hpp"
#include "utf8.hpp"

namespace infobound::tokenize {
namespace {

// Maps every token back to bytes (tokens outside the byte alphabet keep their own bytes) and
// decodes the whole as UTF-8 with replacement, as the reference's from_utf8_lossy.
class ByteLevelDecoder final : public Decoder {
 public:
  void decode_chain(std::vector<std::string>& tokens) const override {
    std::string bytes;
    for (const std::string& token : tokens) {
      std::string mapped;
      bool all_mapped = true;
      std::size_t pos = 0;
      while (pos < token.size()) {
        const auto byte = byte_level::char_to_byte(utf8::next(token, pos));
        if (!byte) {
          all_mapped = false;
          break;
        }
        mapped.push_back(static_cast<char>(*byte));
      }
      bytes += all_mapped ? mapped : token;
    }
    tokens.assign(1, to_valid_utf8(bytes, InvalidUtf8::replace, "decoded tokens"));
  }
};

class MetaspaceDecoder final : public Decoder {
 public:
  MetaspaceDecoder(char32_t replacement, PrependScheme scheme) : replacement_(replacement), scheme_(scheme) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (std::size_t i = 0; i < tokens.size(); ++i) {
      std::string out;
      std::size_t pos = 0;
      while (pos < tokens[i].size()) {
        const char32_t cp = utf8::next(tokens[i], pos);
        if (cp == replacement_) {
          if (i == 0 && scheme_ != PrependScheme::never) continue;
          out.push_back(' ');
        } else {
          utf8::append(out, cp);
        }
      }
      tokens[i] = std::move(out);
    }
  }

 private:
  char32_t replacement_;
  PrependScheme scheme_;
};

// Runs of <0xNN> tokens become the UTF-8 text they spell, or one U+FFFD per byte if invalid.
class ByteFallbackDecoder final : public Decoder {
 public:
  void decode_chain(std::vector<std::string>& tokens) const override {
    std::vector<std::string> out;
    std::string pending;
    const auto flush = [&] {
      if (pending.empty()) return;
      if (!first_invalid_utf8(pending)) {
        out.push_back(pending);
      } else {
        for (std::size_t i = 0; i < pending.size(); ++i) out.emplace_back("\xEF\xBF\xBD");
      }
      pending.clear();
    };
    for (std::string& token : tokens) {
      if (const auto byte = parse_byte_token(token)) {
        pending.push_back(static_cast<char>(*byte));
      } else {
        flush();
        out.push_back(std::move(token));
      }
    }
    flush();
    tokens = std::move(out);
  }

 private:
  static std::optional<unsigned char> parse_byte_token(const std::string& token) {
    if (token.size() != 6 || !token.starts_with("<0x") || token.back() != '>') return std::nullopt;
    unsigned value = 0;
    for (std::size_t i = 3; i < 5; ++i) {
      const char c = token[i];
      value <<= 4;
      if (c >= '0' && c <= '9') value |= static_cast<unsigned>(c - '0');
      else if (c >= 'a' && c <= 'f') value |= static_cast<unsigned>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') value |= static_cast<unsigned>(c - 'A' + 10);
      else return std::nullopt;
    }
    return static_cast<unsigned char>(value);
  }
};

class FuseDecoder final : public Decoder {
 public:
  void decode_chain(std::vector<std::string>& tokens) const override {
    std::string joined;
    for (const auto& token : tokens) joined += token;
    tokens.assign(1, std::move(joined));
  }
};

// Removes up to `start` leading and `stop` trailing `content` characters from every token.
class StripDecoder final : public Decoder {
 public:
  StripDecoder(char32_t content, std::size_t start, std::size_t stop) : content_(content), start_(start), stop_(stop) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (std::string& token : tokens) {
      std::vector<char32_t> chars;
      std::size_t pos = 0;
      while (pos < token.size()) chars.push_back(utf8::next(token, pos));
      std::size_t begin = 0;
      while (begin < start_ && begin < chars.size() && chars[begin] == content_) ++begin;
      std::size_t end = chars.size();
      for (std::size_t i = 0; i < stop_ && end > 0 && chars[end - 1] == content_; ++i) --end;
      std::string out;
      for (std::size_t i = begin; i < end; ++i) utf8::append(out, chars[i]);
      token = std::move(out);
    }
  }

 private:
  char32_t content_;
  std::size_t start_;
  std::size_t stop_;
};

class ReplaceDecoder final : public Decoder {
 public:
  ReplaceDecoder(Regex pattern, std::string content) : pattern_(std::move(pattern)), content_(std::move(content)) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    std::vector<Span> matches;
    for (std::string& token : tokens) {
      matches.clear();
      pattern_.find_all(token, matches);
      if (matches.empty()) continue;
      std::string out;
      std::size_t previous = 0;
      for (const Span& m : matches) {
        out.append(token, previous, m.start - previous);
        out += content_;
        previous = m.end;
      }
      out.append(token, previous, std::string::npos);
      token = std::move(out);
    }
  }

 private:
  Regex pattern_;
  std::string content_;
};

// For models with end_of_word_suffix: the suffix becomes a space, except on the last token.
class BpeSuffixDecoder final : public Decoder {
 public:
  explicit BpeSuffixDecoder(std::string suffix) : suffix_(std::move(suffix)) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (std::size_t i = 0; i < tokens.size(); ++i) {
      const std::string replacement = i + 1 == tokens.size() ? "" : " ";
      std::string out;
      std::size_t pos = 0;
      while (!suffix_.empty()) {
        const auto found = tokens[i].find(suffix_, pos);
        if (found == std::string::npos) break;
        out.append(tokens[i], pos, found - pos);
        out += replacement;
        pos = found + suffix_.size();
      }
      out.append(tokens[i], pos, std::string::npos);
      tokens[i] = std::move(out);
    }
  }

 private:
  std::string suffix_;
};

class DecoderSequence final : public Decoder {
 public:
  explicit DecoderSequence(std::vector<std::unique_ptr<Decoder>> steps) : steps_(std::move(steps)) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (const auto& step : steps_) step->decode_chain(tokens);
  }

 private:
  std::vector<std::unique_ptr<Decoder>> steps_;
};

std::size_t count_field(const Json& config, std::string_view key, const std::string& where) {
  const int64_t value = int_field(config, key, where);
  if (value < 0) bad_field(where, key, "a non-negative integer");
  return static_cast<std::size_t>(value);
}

}  // namespace

std::unique_ptr<Decoder> make_decoder(const Json& config, const std::string& where) {
  const std::string type = component_type(config, where);
  if (type == "ByteLevel") return std::make_unique<ByteLevelDecoder>();
  if (type == "Metaspace") {
    return std::make_unique<MetaspaceDecoder>(utf8::single_code_point(metaspace_replacement(config, where)),
                                              parse_prepend_scheme(config, where));
  }
  if (type == "ByteFallback") return std::make_unique<ByteFallbackDecoder>();
  if (type == "Fuse") return std::make_unique<FuseDecoder>();
  if (type == "Strip") {
    const char32_t content = utf8::single_code_point(string_field(config, "content", where));
    if (content == 0xFFFFFFFF) bad_field(where, "content", "a single character");
    return std::make_unique<StripDecoder>(content, count_field(config, "start", where), count_field(config, "stop", where));
  }
  if (type == "Replace") {
    return std::make_unique<ReplaceDecoder>(pattern_from_json(require_field(config, "pattern", where), where + " (Replace)"),
                                            string_field(config, "content", where));
  }
  if (type == "BPEDecoder") {
    return std::make_unique<BpeSuffixDecoder>(has_value(config, "suffix") ? string_field(config, "suffix", where) : "</w>");
  }
  if (type == "Sequence") {
    const Json& list = require_field(config, "decoders", where);
    if (!list.is_array()) bad_field(where, "decoders", "a list");
    std::vector<std::unique_ptr<Decoder>> steps;
    for (std::size_t i = 0; i < list.size(); ++i) {
      steps.push_back(make_decoder(list[i], where + ".decoders[" + std::to_string(i) + "]"));
    }
    return std::make_unique<DecoderSequence>(std::move(steps));
  }
  unsupported_component(where, "decoder", type, "ByteLevel, Metaspace, ByteFallback, Fuse, Strip, Replace, BPEDecoder, Sequence");
}

}  // namespace infobound::tokenize
