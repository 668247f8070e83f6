// Loading a tokenizer.json and running its pipeline: added tokens, normalizer, pre-tokenizer,
// model, post-processor; and the way back through the decoder.
#include "infobound/tokenize/tokenizer.hpp"

#include "added_vocabulary.hpp"
#include "bpe_model.hpp"
#include "components.hpp"
#include "infobound/core/error_context.hpp"
#include "infobound/io/json_file.hpp"

namespace infobound::tokenize {

struct TokenizerImpl {
  std::filesystem::path path;
  std::unique_ptr<Normalizer> normalizer;
  std::unique_ptr<PreTokenizer> pre_tokenizer;
  std::unique_ptr<BpeModel> model;
  std::unique_ptr<PostProcessor> post_processor;
  std::unique_ptr<Decoder> decoder;
  std::unique_ptr<AddedVocabulary> added;
};

namespace {

std::filesystem::path resolve_tokenizer_file(const std::filesystem::path& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    const auto file = path / "tokenizer.json";
    if (!std::filesystem::exists(file, ec)) {
      throw InputError(path.string() +
                       ": no tokenizer.json in this directory (infobound reads the Hugging Face "
                       "tokenizer.json format only)");
    }
    return file;
  }
  return path;
}

// The model object: BPE, named by "type" or (in files from before "type" existed) by its fields.
std::unique_ptr<BpeModel> make_model(const Json& root, const std::string& where) {
  if (!root.contains("model") || root["model"].is_null()) throw InputError(where + ": missing field \"model\"");
  const Json& model = root["model"];
  if (!model.is_object()) throw InputError(where + ": field \"model\" must be an object");
  std::string type;
  if (model.contains("type")) {
    type = string_field(model, "type", where + ": model");
  } else if (model.contains("merges")) {
    type = "BPE";
  } else if (model.contains("max_input_chars_per_word")) {
    type = "WordPiece";
  } else if (model.contains("vocab") && model["vocab"].is_array()) {
    type = "Unigram";
  } else {
    type = "WordLevel";
  }
  if (type != "BPE") unsupported_component(where + ": model", "model", type, "BPE");
  return BpeModel::from_json(model, where);
}

template <typename Component, typename Factory>
std::unique_ptr<Component> optional_component(const Json& root, const char* key, const std::string& where, Factory make) {
  if (!root.contains(key) || root[key].is_null()) return nullptr;
  return make(root[key], where + ": " + key);
}

void check_text(std::string_view text) {
  if (const auto offset = first_invalid_utf8(text)) {
    throw InputError("text to tokenize: invalid UTF-8 at byte offset " + std::to_string(*offset));
  }
}

}  // namespace

Tokenizer::Tokenizer(std::shared_ptr<const TokenizerImpl> impl) : impl_(std::move(impl)) {}

Tokenizer Tokenizer::from_file(const std::filesystem::path& path) {
  auto impl = std::make_shared<TokenizerImpl>();
  impl->path = resolve_tokenizer_file(path);
  const std::string where = impl->path.string();
  const Json root = io::read_json_file(impl->path);
  if (!root.is_object()) throw InputError(where + ": expected a JSON object (a Hugging Face tokenizer.json)");
  if (root.contains("version") && root["version"] != "1.0") {
    throw InputError(where + ": unknown tokenizer.json version " + root["version"].dump() + " (expected \"1.0\")");
  }
  impl->model = make_model(root, where);
  impl->normalizer = optional_component<Normalizer>(root, "normalizer", where, make_normalizer);
  impl->pre_tokenizer = optional_component<PreTokenizer>(root, "pre_tokenizer", where, make_pre_tokenizer);
  impl->post_processor = optional_component<PostProcessor>(root, "post_processor", where, make_post_processor);
  impl->decoder = optional_component<Decoder>(root, "decoder", where, make_decoder);
  const std::vector<AddedToken> added = parse_added_tokens(root.contains("added_tokens") ? root["added_tokens"] : Json(), where);
  impl->added = std::make_unique<AddedVocabulary>(added, *impl->model, impl->normalizer.get());
  impl->added->check_declared_ids(added, *impl->model, where);
  return Tokenizer(std::move(impl));
}

namespace {

// Added tokens, normalizer, pre-tokenizer, model and post-processor on valid UTF-8.
std::vector<int64_t> run_pipeline(const TokenizerImpl& t, std::string_view utf8_text, bool add_special_tokens) {
  std::vector<int64_t> ids;
  ids.reserve(utf8_text.size() / 3 + 4);
  std::vector<Segment> raw_segments;
  t.added->split_raw(utf8_text, raw_segments);
  std::vector<Segment> segments;
  std::vector<Piece> words;
  for (Segment& raw : raw_segments) {
    if (raw.added_id >= 0) {
      ids.push_back(raw.added_id);
      continue;
    }
    if (t.normalizer) t.normalizer->normalize(raw.piece.text);
    segments.clear();
    t.added->split_normalized(raw.piece, segments);
    for (Segment& segment : segments) {
      if (segment.added_id >= 0) {
        ids.push_back(segment.added_id);
        continue;
      }
      words.clear();
      words.push_back(std::move(segment.piece));
      if (t.pre_tokenizer) t.pre_tokenizer->pre_tokenize(words);
      for (const Piece& word : words) t.model->tokenize(word.text, ids);
    }
  }
  if (t.post_processor) t.post_processor->process(ids, add_special_tokens);
  return ids;
}

}  // namespace

std::vector<int64_t> Tokenizer::encode(std::string_view utf8_text, bool add_special_tokens) const {
  check_text(utf8_text);
  // An error deep in the pipeline (a regex hitting PCRE2's match limit) names this tokenizer.json;
  // the caller adds the record.
  try {
    return run_pipeline(*impl_, utf8_text, add_special_tokens);
  } catch (...) {
    rethrow_with_context(impl_->path.string());
  }
}

std::string Tokenizer::decode(std::span<const int64_t> ids, bool skip_special_tokens) const {
  const TokenizerImpl& t = *impl_;
  std::vector<std::string> tokens;
  tokens.reserve(ids.size());
  for (const int64_t id : ids) {
    if (id < 0 || id > UINT32_MAX) continue;
    const auto id32 = static_cast<uint32_t>(id);
    const std::string* token = t.added->id_to_token(id32);
    if (token == nullptr) token = t.model->id_to_token(id32);
    if (token == nullptr) continue;
    if (skip_special_tokens && t.added->is_special(*token)) continue;
    tokens.push_back(*token);
  }
  if (!t.decoder) {
    std::string joined;
    for (std::size_t i = 0; i < tokens.size(); ++i) {
      if (i > 0) joined += ' ';
      joined += tokens[i];
    }
    return joined;
  }
  t.decoder->decode_chain(tokens);
  std::string text;
  for (const auto& token : tokens) text += token;
  return text;
}

int64_t Tokenizer::vocab_size() const {
  return static_cast<int64_t>(impl_->model->vocab_size() + impl_->added->tokens_outside(*impl_->model));
}

std::optional<int64_t> Tokenizer::token_to_id(std::string_view token) const {
  if (const auto id = impl_->added->token_to_id(token)) return *id;
  if (const auto id = impl_->model->token_to_id(token)) return *id;
  return std::nullopt;
}

const std::filesystem::path& Tokenizer::path() const { return impl_->path; }

}  // namespace infobound::tokenize
