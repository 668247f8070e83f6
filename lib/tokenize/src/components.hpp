#pragma once
// The stages of a tokenizer.json pipeline. Each is built from its JSON object by a factory that
// refuses types and settings outside what infobound reproduces exactly.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "json_fields.hpp"
#include "pieces.hpp"
#include "regex.hpp"

namespace infobound::tokenize {

class Normalizer {
 public:
  virtual ~Normalizer() = default;
  virtual void normalize(std::string& text) const = 0;
};

class PreTokenizer {
 public:
  virtual ~PreTokenizer() = default;
  // Replaces `pieces` by their sub-pieces; empty pieces are dropped, as the reference does.
  virtual void pre_tokenize(std::vector<Piece>& pieces) const = 0;
};

class PostProcessor {
 public:
  virtual ~PostProcessor() = default;
  // Adds the template's special tokens around a single sequence when `add_special_tokens`.
  virtual void process(std::vector<int64_t>& ids, bool add_special_tokens) const = 0;
};

class Decoder {
 public:
  virtual ~Decoder() = default;
  // Rewrites the token strings; the decoded text is their concatenation.
  virtual void decode_chain(std::vector<std::string>& tokens) const = 0;
};

// Where Metaspace puts its replacement character in front of a piece.
enum class PrependScheme { always, first, never };
PrependScheme parse_prepend_scheme(const Json& config, const std::string& where);
// Metaspace's "replacement": one character.
std::string metaspace_replacement(const Json& config, const std::string& where);

// A {"String": "..."} or {"Regex": "..."} pattern.
Regex pattern_from_json(const Json& pattern, const std::string& where);

// `where` is "<file>: <key path>"; the factories throw InputError naming it.
std::unique_ptr<Normalizer> make_normalizer(const Json& config, const std::string& where);
std::unique_ptr<PreTokenizer> make_pre_tokenizer(const Json& config, const std::string& where);
std::unique_ptr<PostProcessor> make_post_processor(const Json& config, const std::string& where);
std::unique_ptr<Decoder> make_decoder(const Json& config, const std::string& where);

}  // namespace infobound::tokenize
