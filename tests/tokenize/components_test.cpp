// The components the fixture files do not exercise, each on a small hand-made configuration,
// with the outputs the reference library's definitions give.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "components.hpp"
#include "infobound/core/error.hpp"
#include "infobound/testing/scratch_dir.hpp"
#include "infobound/tokenize/tokenizer.hpp"
#include "regex.hpp"
#include "unicode.hpp"

namespace infobound::tokenize {
namespace {

using nlohmann::json;
using Ids = std::vector<int64_t>;

// A BPE tokenizer file from parts; `vocab` and `merges` go into the model.
Tokenizer build(const json& vocab, const json& merges, const json& extra_model = json::object(),
                const json& top_level = json::object()) {
  json file = {{"version", "1.0"},         {"added_tokens", json::array()}, {"normalizer", nullptr},
               {"pre_tokenizer", nullptr}, {"post_processor", nullptr},     {"decoder", nullptr}};
  json model = {{"type", "BPE"}, {"vocab", vocab}, {"merges", merges}};
  if (!extra_model.is_null()) model.update(extra_model);
  file["model"] = model;
  if (!top_level.is_null()) file.update(top_level);
  const auto path = infobound::testing::scratch_dir("tokenize_component") / "tokenizer.json";
  std::ofstream(path) << file.dump();
  return Tokenizer::from_file(path);
}

std::vector<std::string> texts(const std::vector<Piece>& pieces) {
  std::vector<std::string> out;
  for (const auto& p : pieces) out.push_back(p.text);
  return out;
}

std::vector<std::string> pre_tokenize(const json& config, const std::string& text, bool at_origin = true) {
  const auto pre_tokenizer = make_pre_tokenizer(config, "test");
  std::vector<Piece> pieces{{text, at_origin}};
  pre_tokenizer->pre_tokenize(pieces);
  return texts(pieces);
}

using Strings = std::vector<std::string>;

TEST(BpeModel, ContinuingSubwordPrefix) {
  const auto tokenizer = build({{"h", 0}, {"##e", 1}, {"##y", 2}, {"he", 3}, {"hey", 4}}, {"h ##e", "he ##y"},
                               {{"continuing_subword_prefix", "##"}});
  EXPECT_EQ(tokenizer.encode("hey"), (Ids{4}));
  EXPECT_EQ(tokenizer.encode("hy"), (Ids{0, 2}));
}

TEST(BpeModel, EndOfWordSuffix) {
  const auto tokenizer = build({{"h", 0}, {"e</w>", 1}, {"he</w>", 2}, {"e", 3}}, {"h e</w>"}, {{"end_of_word_suffix", "</w>"}});
  EXPECT_EQ(tokenizer.encode("he"), (Ids{2}));
  EXPECT_EQ(tokenizer.encode("eh"), Ids{3});  // "h</w>" is not in the vocabulary: dropped without unk
}

TEST(BpeModel, IgnoreMergesTakesWholeWordsFromTheVocabulary) {
  const json vocab = {{"a", 0}, {"b", 1}, {"c", 2}, {"abc", 3}, {"ab", 4}};
  EXPECT_EQ(build(vocab, {"a b"}, {{"ignore_merges", true}}).encode("abc"), (Ids{3}));
  EXPECT_EQ(build(vocab, {"a b"}, {{"ignore_merges", false}}).encode("abc"), (Ids{4, 2}));
}

TEST(BpeModel, MergesFollowRankThenPosition) {
  // "aaa": (a, a) at positions 0 and 1 has one rank; the leftmost merges first.
  const auto tokenizer = build({{"a", 0}, {"aa", 1}, {"b", 2}, {"ab", 3}}, {"a b", "a a"});
  EXPECT_EQ(tokenizer.encode("aaa"), (Ids{1, 0}));
  EXPECT_EQ(tokenizer.encode("aab"), (Ids{0, 3}));  // "a b" has the lower rank
}

TEST(BpeModel, UnknownCharactersAndFusing) {
  const json vocab = {{"<unk>", 0}, {"a", 1}};
  EXPECT_EQ(build(vocab, json::array(), {{"unk_token", "<unk>"}, {"fuse_unk", true}}).encode("axya"), (Ids{1, 0, 1}));
  EXPECT_EQ(build(vocab, json::array(), {{"unk_token", "<unk>"}, {"fuse_unk", false}}).encode("axya"), (Ids{1, 0, 0, 1}));
  EXPECT_EQ(build(vocab, json::array()).encode("axya"), (Ids{1, 1}));
}

TEST(BpeModel, ByteFallbackBeforeUnk) {
  const auto tokenizer = build({{"<unk>", 0}, {"<0x78>", 1}, {"a", 2}, {"<0xC3>", 3}, {"<0xA9>", 4}}, json::array(),
                               {{"unk_token", "<unk>"}, {"byte_fallback", true}});
  EXPECT_EQ(tokenizer.encode("axya"), (Ids{2, 1, 0, 2}));
  EXPECT_EQ(tokenizer.encode("\xC3\xA9"), (Ids{3, 4}));  // é as its two bytes
}

TEST(AddedTokens, StripAndSingleWord) {
  const json vocab = {{"a", 0}, {"b", 1}, {"c", 2}, {" ", 3}};
  const json lstrip = {{"added_tokens",
                        {{{"id", 4},
                          {"content", "<m>"},
                          {"single_word", false},
                          {"lstrip", true},
                          {"rstrip", false},
                          {"normalized", false},
                          {"special", true}}}}};
  EXPECT_EQ(build(vocab, json::array(), {}, lstrip).encode("a  <m> b"), (Ids{0, 4, 3, 1}));
  json both = lstrip;
  both["added_tokens"][0]["rstrip"] = true;
  EXPECT_EQ(build(vocab, json::array(), {}, both).encode("a  <m> b"), (Ids{0, 4, 1}));
  const json single = {{"added_tokens",
                        {{{"id", 4},
                          {"content", "ab"},
                          {"single_word", true},
                          {"lstrip", false},
                          {"rstrip", false},
                          {"normalized", false},
                          {"special", false}}}}};
  EXPECT_EQ(build(vocab, json::array(), {}, single).encode("ab cab ab"), (Ids{4, 3, 2, 0, 1, 3, 4}));
}

TEST(AddedTokens, NormalizedTokensMatchTheNormalizedText) {
  const json vocab = {{"h", 0}, {"e", 1}, {"l", 2}, {"o", 3}, {" ", 4}, {"A", 5}, {"B", 6}, {"a", 7}, {"b", 8}};
  const json parts = {{"normalizer", {{"type", "Lowercase"}}},
                      {"added_tokens",
                       {{{"id", 9},
                         {"content", "HELLO"},
                         {"single_word", false},
                         {"lstrip", false},
                         {"rstrip", false},
                         {"normalized", true},
                         {"special", false}},
                        {{"id", 10},
                         {"content", "AB"},
                         {"single_word", false},
                         {"lstrip", false},
                         {"rstrip", false},
                         {"normalized", false},
                         {"special", true}}}}};
  const auto tokenizer = build(vocab, json::array(), {}, parts);
  // "HeLLo" lowercases to "hello", which is the normalized form of the added token "HELLO".
  EXPECT_EQ(tokenizer.encode("HeLLo AB ab"), (Ids{9, 4, 10, 4, 7, 8}));
  EXPECT_EQ(tokenizer.token_to_id("HELLO"), 9);
  EXPECT_EQ(tokenizer.vocab_size(), 11);
  EXPECT_EQ(tokenizer.decode(Ids{9, 10, 7}, true), "HELLO a");  // no decoder: tokens joined by spaces
}

TEST(Normalizers, UnicodeFormsAndLowercase) {
  const auto run = [](const json& config, std::string text) {
    make_normalizer(config, "test")->normalize(text);
    return text;
  };
  EXPECT_EQ(run({{"type", "NFKC"}}, "\xEF\xAC\x81 \xE2\x91\xA0"), "fi 1");  // ﬁ ① -> fi 1
  EXPECT_EQ(run({{"type", "NFD"}}, "\xC3\xA9"), "e\xCC\x81");               // é -> e + U+0301
  EXPECT_EQ(run({{"type", "NFC"}}, "e\xCC\x81"), "\xC3\xA9");
  EXPECT_EQ(run({{"type", "NFKD"}}, "\xE2\x84\xAB"), "A\xCC\x8A");                     // Å (angstrom) -> A + ring
  EXPECT_EQ(run({{"type", "Lowercase"}}, "\xC4\xB0X\xCE\xA3"), "i\xCC\x87x\xCF\x83");  // İXΣ -> i̇xσ (no final sigma)
  EXPECT_EQ(
      run({{"type", "Sequence"},
           {"normalizers",
            {{{"type", "Prepend"}, {"prepend", "_"}}, {{"type", "Replace"}, {"pattern", {{"Regex", " +"}}}, {"content", "-"}}}}},
          "a  b c"),
      "_a-b-c");
  EXPECT_EQ(run({{"type", "Prepend"}, {"prepend", "_"}}, ""), "");  // nothing is prepended to empty text
}

TEST(PreTokenizers, SplitBehaviors) {
  const auto split = [](const std::string& behavior) {
    return pre_tokenize({{"type", "Split"}, {"pattern", {{"String", "-"}}}, {"behavior", behavior}, {"invert", false}}, "a-b--c");
  };
  EXPECT_EQ(split("Removed"), (Strings{"a", "b", "c"}));
  EXPECT_EQ(split("Isolated"), (Strings{"a", "-", "b", "-", "-", "c"}));
  EXPECT_EQ(split("MergedWithPrevious"), (Strings{"a-", "b-", "-", "c"}));
  EXPECT_EQ(split("MergedWithNext"), (Strings{"a", "-b", "-", "-c"}));
  EXPECT_EQ(split("Contiguous"), (Strings{"a", "-", "b", "--", "c"}));
  // invert: the matches are the pieces; Removed then drops what lies between them.
  EXPECT_EQ(
      pre_tokenize({{"type", "Split"}, {"pattern", {{"Regex", "[a-z]+"}}}, {"behavior", "Removed"}, {"invert", true}}, "ab, cd!"),
      (Strings{"ab", "cd"}));
}

TEST(PreTokenizers, DigitsUseRustIsNumeric) {
  EXPECT_EQ(pre_tokenize({{"type", "Digits"}, {"individual_digits", false}}, "a123b"), (Strings{"a", "123", "b"}));
  EXPECT_EQ(pre_tokenize({{"type", "Digits"}, {"individual_digits", true}}, "x12\xC2\xBD\xE2\x85\xA7"),
            (Strings{"x", "1", "2", "\xC2\xBD", "\xE2\x85\xA7"}));  // ½ (No) and Ⅷ (Nl) are numeric
}

TEST(PreTokenizers, MetaspaceSchemes) {
  const json always = {{"type", "Metaspace"}, {"replacement", "\xE2\x96\x81"}, {"prepend_scheme", "always"}, {"split", true}};
  EXPECT_EQ(pre_tokenize(always, "hello world"), (Strings{"\xE2\x96\x81hello", "\xE2\x96\x81world"}));
  json first = always;
  first["prepend_scheme"] = "first";
  EXPECT_EQ(pre_tokenize(first, "hi", false), (Strings{"hi"}));
  EXPECT_EQ(pre_tokenize(first, "hi", true), (Strings{"\xE2\x96\x81hi"}));
  json legacy = {{"type", "Metaspace"}, {"replacement", "\xE2\x96\x81"}, {"add_prefix_space", false}};
  EXPECT_EQ(pre_tokenize(legacy, "a b"), (Strings{"a",
                                                  "\xE2\x96\x81"
                                                  "b"}));
}

TEST(PreTokenizers, ByteLevelPrefixSpaceAndRegex) {
  EXPECT_EQ(pre_tokenize({{"type", "ByteLevel"}, {"add_prefix_space", true}}, "hello world"),
            (Strings{"\xC4\xA0hello", "\xC4\xA0world"}));
  EXPECT_EQ(pre_tokenize({{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", false}}, "a b\n"),
            (Strings{"a\xC4\xA0"
                     "b\xC4\x8A"}));
  // \s+(?!\S): a run of spaces leaves its last space to the following word.
  EXPECT_EQ(pre_tokenize({{"type", "ByteLevel"}, {"add_prefix_space", false}}, "a   b"), (Strings{"a", "\xC4\xA0\xC4\xA0",
                                                                                                  "\xC4\xA0"
                                                                                                  "b"}));
}

TEST(Regex, OnigurumaWhiteSpaceAndEscapes) {
  std::vector<Span> matches;
  Regex(R"(\s+)", "test")
      .find_all(
          "a\xC2\x85"
          "b\xEF\xBB\xBF"
          "c",
          matches);  // U+0085 is \s, U+FEFF is not
  ASSERT_EQ(matches.size(), 1u);
  EXPECT_EQ(matches[0].start, 1u);
  EXPECT_EQ(matches[0].end, 3u);
  matches.clear();
  Regex(R"([^\s\p{L}]+)", "test").find_all("ab \xC2\x85!?", matches);
  ASSERT_EQ(matches.size(), 1u);
  EXPECT_EQ(matches[0].start, 5u);
  matches.clear();
  Regex(R"(\u00e9)", "test").find_all("caf\xC3\xA9", matches);
  ASSERT_EQ(matches.size(), 1u);
  EXPECT_EQ(matches[0].start, 3u);
  EXPECT_THROW(Regex(R"([\S])", "test"), InputError);
  EXPECT_THROW(Regex(R"(\bword)", "test"), InputError);
}

TEST(Regex, EmptyMatchesAdvanceLikeTheOnigCrate) {
  std::vector<Span> matches;
  Regex("x*", "test").find_all("axxb", matches);
  // Empty at 0, "xx" at 1..3, the empty match at 3 directly after it is skipped, empty at 4.
  ASSERT_EQ(matches.size(), 3u);
  EXPECT_EQ(matches[0].start, 0u);
  EXPECT_EQ(matches[1].start, 1u);
  EXPECT_EQ(matches[1].end, 3u);
  EXPECT_EQ(matches[2].start, 4u);
}

TEST(PostProcessors, TemplateWithBosEosInsideASequence) {
  const json config = {{"type", "Sequence"},
                       {"processors",
                        {{{"type", "ByteLevel"}, {"trim_offsets", false}},
                         {{"type", "TemplateProcessing"},
                          {"single",
                           {{{"SpecialToken", {{"id", "<bos>"}, {"type_id", 0}}}},
                            {{"Sequence", {{"id", "A"}, {"type_id", 0}}}},
                            {{"SpecialToken", {{"id", "<eos>"}, {"type_id", 0}}}}}},
                          {"pair", json::array()},
                          {"special_tokens",
                           {{"<bos>", {{"id", "<bos>"}, {"ids", {7}}, {"tokens", {"<bos>"}}}},
                            {"<eos>", {{"id", "<eos>"}, {"ids", {8, 9}}, {"tokens", {"<e", "os>"}}}}}}}}}};
  const auto processor = make_post_processor(config, "test");
  Ids ids{1, 2};
  processor->process(ids, true);
  EXPECT_EQ(ids, (Ids{7, 1, 2, 8, 9}));
  Ids plain{1, 2};
  processor->process(plain, false);
  EXPECT_EQ(plain, (Ids{1, 2}));
}

TEST(Decoders, MetaspaceStripAndByteFallback) {
  const auto decode = [](const json& config, std::vector<std::string> tokens) {
    make_decoder(config, "test")->decode_chain(tokens);
    std::string out;
    for (const auto& t : tokens) out += t;
    return out;
  };
  const json metaspace = {{"type", "Metaspace"}, {"replacement", "\xE2\x96\x81"}, {"prepend_scheme", "always"}};
  EXPECT_EQ(decode(metaspace, {"\xE2\x96\x81Hello", "\xE2\x96\x81world"}), "Hello world");
  EXPECT_EQ(decode({{"type", "ByteFallback"}}, {"a", "<0xC3>", "<0xA9>", "b"}),
            "a\xC3\xA9"
            "b");
  // A run of byte tokens that is not valid UTF-8 as a whole becomes one U+FFFD per byte.
  EXPECT_EQ(decode({{"type", "ByteFallback"}}, {"a", "<0xC3>", "<0xA9>", "<0xFF>", "b"}),
            "a\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(decode({{"type", "ByteFallback"}}, {"<0xE2>", "<0x82>", "x"}), "\xEF\xBF\xBD\xEF\xBF\xBDx");
  EXPECT_EQ(decode({{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 1}}, {"  a  "}), " a ");
  EXPECT_EQ(decode({{"type", "BPEDecoder"}, {"suffix", "</w>"}}, {"he</w>", "llo</w>"}), "he llo");
}

TEST(Unicode, Properties) {
  EXPECT_TRUE(unicode::is_white_space(0x85));
  EXPECT_TRUE(unicode::is_white_space(0x3000));
  EXPECT_FALSE(unicode::is_white_space(0xFEFF));
  EXPECT_FALSE(unicode::is_white_space(0x200B));
  EXPECT_FALSE(unicode::is_white_space(0x1C));
  EXPECT_TRUE(unicode::is_numeric(0x2167));  // Ⅷ
  EXPECT_TRUE(unicode::is_numeric(0xBD));    // ½
  EXPECT_FALSE(unicode::is_numeric('x'));
}

}  // namespace
}  // namespace infobound::tokenize
