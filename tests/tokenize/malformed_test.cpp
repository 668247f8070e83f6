// Malformed or unsupported tokenizer.json files are refused with an error a user can act on.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "fixtures.hpp"
#include "infobound/core/error.hpp"
#include "infobound/testing/scratch_dir.hpp"
#include "infobound/tokenize/tokenizer.hpp"

namespace infobound::tokenize {
namespace {

std::filesystem::path write_file(const std::string& name, const std::string& text) {
  static const auto dir = infobound::testing::scratch_dir("tokenize_malformed");
  const auto path = dir / name;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

// The error message of loading `path`, or "" when it loads.
std::string load_error(const std::filesystem::path& path) {
  try {
    Tokenizer::from_file(path);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

// A tiny valid BPE file with the given replacements spliced in.
std::string tiny_tokenizer(const std::string& model_extra = "", const std::string& pre_tokenizer = "null",
                           const std::string& merges = R"(["a b"])") {
  return R"({"version": "1.0", "added_tokens": [], "normalizer": null, "pre_tokenizer": )" + pre_tokenizer +
         R"(, "post_processor": null, "decoder": null, "model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2})" +
         model_extra + R"(, "merges": )" + merges + "}}";
}

#define EXPECT_CONTAINS(haystack, needle) EXPECT_NE((haystack).find(needle), std::string::npos) << (haystack)

TEST(MalformedTokenizer, TinyTokenizerLoads) {
  const auto path = write_file("tiny.json", tiny_tokenizer());
  EXPECT_EQ(load_error(path), "");
  EXPECT_EQ(Tokenizer::from_file(path).encode("abab"), (std::vector<int64_t>{2, 2}));
}

TEST(MalformedTokenizer, TruncatedJsonNamesFileAndLine) {
  const auto gpt2 = testing::tokenizer_fixture("gpt2") / "tokenizer.json";
  INFOBOUND_REQUIRE_FIXTURE(gpt2);
  std::ifstream in(gpt2, std::ios::binary);
  std::string text(200000, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  const auto path = write_file("truncated.json", text.substr(0, static_cast<std::size_t>(in.gcount())));
  const std::string error = load_error(path);
  EXPECT_CONTAINS(error, "truncated.json");
  EXPECT_CONTAINS(error, "invalid JSON at line");
}

TEST(MalformedTokenizer, MissingModel) {
  const auto path = write_file("no_model.json", R"({"version": "1.0", "added_tokens": [], "normalizer": null})");
  const std::string error = load_error(path);
  EXPECT_CONTAINS(error, "no_model.json");
  EXPECT_CONTAINS(error, "missing field \"model\"");
}

TEST(MalformedTokenizer, MergeNamingUnknownToken) {
  const auto path = write_file("bad_merge.json", tiny_tokenizer("", "null", R"(["a b", "a c"])"));
  const std::string error = load_error(path);
  EXPECT_CONTAINS(error, "bad_merge.json");
  EXPECT_CONTAINS(error, "model.merges[1]");
  EXPECT_CONTAINS(error, "token \"c\", which is not in model.vocab");
}

TEST(MalformedTokenizer, MergeWhoseResultIsNotInTheVocabulary) {
  const std::string error = load_error(write_file("bad_result.json", tiny_tokenizer("", "null", R"([["b", "a"]])")));
  EXPECT_CONTAINS(error, "token \"ba\", which is not in model.vocab");
}

TEST(MalformedTokenizer, MergeStringWithoutOneSpace) {
  const std::string error = load_error(write_file("bad_merge_string.json", tiny_tokenizer("", "null", R"(["ab"])")));
  EXPECT_CONTAINS(error, "model.merges[0]");
  EXPECT_CONTAINS(error, "two tokens separated by one space");
}

TEST(MalformedTokenizer, UnsupportedPreTokenizerNamesTypeAndFile) {
  const auto path = write_file("whitespace.json", tiny_tokenizer("", R"({"type": "Whitespace"})"));
  const std::string error = load_error(path);
  EXPECT_CONTAINS(error, "whitespace.json");
  EXPECT_CONTAINS(error, "unsupported pre_tokenizer type \"Whitespace\"");
}

TEST(MalformedTokenizer, UnsupportedComponentInsideASequence) {
  const auto path = write_file("nested.json", tiny_tokenizer("", R"({"type": "Sequence", "pretokenizers": [
      {"type": "Digits", "individual_digits": true}, {"type": "Punctuation", "behavior": "Isolated"}]})"));
  const std::string error = load_error(path);
  EXPECT_CONTAINS(error, "pre_tokenizer.pretokenizers[1]");
  EXPECT_CONTAINS(error, "\"Punctuation\"");
}

TEST(MalformedTokenizer, UnsupportedModelType) {
  const auto path = write_file("unigram.json", R"({"version": "1.0", "added_tokens": [], "model": {"type": "Unigram",
      "unk_id": 0, "vocab": [["<unk>", 0.0], ["a", -1.0]]}})");
  EXPECT_CONTAINS(load_error(path), "unsupported model type \"Unigram\"");
}

TEST(MalformedTokenizer, UnsupportedNormalizerPostProcessorAndDecoder) {
  const std::string base = tiny_tokenizer();
  const auto with = [&](const std::string& key, const std::string& value) {
    std::string text = base;
    const std::string needle = "\"" + key + "\": null";
    text.replace(text.find(needle), needle.size(), "\"" + key + "\": " + value);
    return text;
  };
  EXPECT_CONTAINS(load_error(write_file("n.json", with("normalizer", R"({"type": "BertNormalizer"})"))),
                  "unsupported normalizer type \"BertNormalizer\"");
  EXPECT_CONTAINS(load_error(write_file("p.json", with("post_processor", R"({"type": "BertProcessing"})"))),
                  "unsupported post_processor type \"BertProcessing\"");
  EXPECT_CONTAINS(load_error(write_file("d.json", with("decoder", R"({"type": "WordPiece"})"))),
                  "unsupported decoder type \"WordPiece\"");
}

TEST(MalformedTokenizer, DropoutIsRefused) {
  EXPECT_CONTAINS(load_error(write_file("dropout.json", tiny_tokenizer(R"(, "dropout": 0.1)"))), "dropout");
}

TEST(MalformedTokenizer, InvalidRegexNamesTheComponent) {
  const auto path = write_file("regex.json", tiny_tokenizer("", R"({"type": "Split", "pattern": {"Regex": "(a"},
      "behavior": "Isolated", "invert": false})"));
  const std::string error = load_error(path);
  EXPECT_CONTAINS(error, "pre_tokenizer");
  EXPECT_CONTAINS(error, "invalid regex");
}

TEST(MalformedTokenizer, DirectoryWithoutTokenizerJson) {
  const auto dir = infobound::testing::scratch_dir("tokenize_empty");
  EXPECT_CONTAINS(load_error(dir), "no tokenizer.json in this directory");
}

TEST(MalformedTokenizer, MissingFile) {
  EXPECT_CONTAINS(load_error("/nonexistent/tokenizer.json"), "/nonexistent/tokenizer.json");
}

TEST(MalformedTokenizer, InvalidUtf8TextIsAnErrorWithOffset) {
  const Tokenizer tokenizer = Tokenizer::from_file(write_file("tiny2.json", tiny_tokenizer()));
  try {
    tokenizer.encode("ab\xC3");
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_CONTAINS(std::string(e.what()), "byte offset 2");
  }
}

// An added token outside the model's vocabulary gets the next free id; a file that declares
// another id is inconsistent (transformers refuses it) and would shift every later id.
TEST(MalformedTokenizer, AddedTokenIdBeyondTheVocabularyIsRefused) {
  auto with_added = [](const std::string& added) {
    return R"({"version": "1.0", "added_tokens": [)" + added +
           R"(], "normalizer": null, "pre_tokenizer": null, "post_processor": null, "decoder": null,
               "model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": ["a b"]}})";
  };
  const auto good = write_file("added-good.json", with_added(R"({"id": 3, "content": "<eos>", "special": true},
                                                               {"id": 2, "content": "ab", "special": false})"));
  EXPECT_EQ(load_error(good), "");
  EXPECT_EQ(Tokenizer::from_file(good).encode("ab<eos>"), (std::vector<int64_t>{2, 3}));
  const auto path = write_file("added-beyond.json", with_added(R"({"id": 7, "content": "<eos>", "special": true})"));
  const std::string error = load_error(path);
  EXPECT_EQ(error.rfind(path.string() + ": added_tokens[0] '<eos>' declares id 7", 0), 0u) << error;
  EXPECT_CONTAINS(error, "this one would be 3");
}

// A pre-tokenizer regex with catastrophic backtracking hits PCRE2's match limit: the error names
// the tokenizer file (the corpus adds the record, see tests/corpus).
TEST(MalformedTokenizer, RegexMatchLimitNamesTheTokenizerFile) {
  const auto path = write_file(
      "backtracking.json",
      tiny_tokenizer("", R"({"type": "Split", "pattern": {"Regex": "(a+)+\\d"}, "behavior": "Isolated", "invert": false})"));
  ASSERT_EQ(load_error(path), "");
  const Tokenizer tokenizer = Tokenizer::from_file(path);
  try {
    tokenizer.encode(std::string(40, 'a'));
    FAIL() << "the match limit was not reached";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()).rfind(path.string() + ": regex", 0), 0u) << e.what();
    EXPECT_CONTAINS(std::string(e.what()), "limit");
  }
}

}  // namespace
}  // namespace infobound::tokenize
