#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "infobound/core/error.hpp"
#include "infobound/corpus/documents.hpp"
#include "infobound/corpus/sequences.hpp"

namespace fs = std::filesystem;
using namespace infobound;
using namespace infobound::corpus;

namespace {

fs::path scratch(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("infobound_corpus_test_" + std::to_string(::getpid())) / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

void write(const fs::path& path, const std::string& bytes) { std::ofstream(path, std::ios::binary) << bytes; }

// Byte-level encoder: one id per byte, BOS = 256 when special tokens are requested.
std::vector<int64_t> byte_encoder(std::string_view text, bool special) {
  std::vector<int64_t> ids;
  if (special) ids.push_back(256);
  for (const char c : text) ids.push_back(static_cast<unsigned char>(c));
  return ids;
}

CorpusSpec spec_for(const fs::path& file, SourceFormat format) {
  CorpusSpec spec;
  CorpusSource source;
  source.path = file;
  source.format = format;
  spec.sources.push_back(source);
  return spec;
}

const fs::path kFixtures = fs::path(INFOBOUND_SHARED_DIR) / "fixtures" / "corpus";

}  // namespace

TEST(Documents, SplitsOnBlankLinesLinesOrWhole) {
  const std::string text = "a\nb\n\n  \nc\n\n\nd";
  const auto paragraphs = split_text(text, TextSplit::blank_lines);
  ASSERT_EQ(paragraphs.size(), 3u);
  EXPECT_EQ(paragraphs[0].first, "a\nb");
  EXPECT_EQ(paragraphs[1].first, "c");
  EXPECT_EQ(paragraphs[1].second, 5);
  EXPECT_EQ(paragraphs[2].first, "d");
  EXPECT_EQ(split_text(text, TextSplit::lines).size(), 4u);
  EXPECT_EQ(split_text(text, TextSplit::whole).size(), 1u);
}

TEST(Documents, InvalidUtf8IsAnErrorWithOffsetOrReplacedLikePython) {
  try {
    to_valid_utf8("ab\xff", false, "doc 3", nullptr);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("doc 3: invalid UTF-8 at byte offset 2"), std::string::npos) << e.what();
  }
  bool replaced = false;
  // Python: b"a\xe2\x82z\xf0\x80\xed\xa0\x80".decode("utf-8", "replace")
  EXPECT_EQ(to_valid_utf8("a\xe2\x82z\xf0\x80\xed\xa0\x80", true, "d", &replaced),
            "a\xEF\xBF\xBDz\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_TRUE(replaced);
  EXPECT_EQ(to_valid_utf8("h\xC3\xA9\xF0\x9F\x98\x80", false, "d", &replaced), "h\xC3\xA9\xF0\x9F\x98\x80");
  EXPECT_FALSE(replaced);
}

TEST(Documents, InvalidUtf8InAFileNamesDocumentAndCountsReplacements) {
  const fs::path dir = scratch("utf8");
  write(dir / "c.txt", "good\n\nbad \xC3\x28 here\n");
  const CorpusSpec spec = spec_for(dir / "c.txt", SourceFormat::text);
  ReadStats stats;
  try {
    read_documents(spec.sources[0], false, stats);
    FAIL();
  } catch (const InputError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("document 1 (line 3)"), std::string::npos) << message;
    EXPECT_NE(message.find("byte offset 4"), std::string::npos) << message;
  }
  ReadStats replaced;
  const auto docs = read_documents(spec.sources[0], true, replaced);
  EXPECT_EQ(docs.size(), 2u);
  EXPECT_EQ(replaced.replaced, 1);
}

TEST(Sequences, TruncatesPerDocumentAndPacks) {
  const fs::path dir = scratch("seq");
  write(dir / "c.txt", "abcdef\n\nxy\n");
  CorpusSpec spec = spec_for(dir / "c.txt", SourceFormat::text);
  spec.max_length = 4;
  const TokenizedCorpus per_doc = tokenize_corpus(spec, byte_encoder);
  ASSERT_EQ(per_doc.n_sequences(), 2);
  EXPECT_EQ(std::vector<int64_t>(per_doc.sequence(0).begin(), per_doc.sequence(0).end()), (std::vector<int64_t>{256, 'a', 'b', 'c'}));
  EXPECT_EQ(per_doc.sequence(1).size(), 3u);
  spec.sequences = SequenceMode::packed;
  const TokenizedCorpus packed = tokenize_corpus(spec, byte_encoder);
  ASSERT_EQ(packed.n_sequences(), 3);  // 7 + 3 = 10 tokens -> 4, 4, 2
  EXPECT_EQ(packed.sequence(1)[3], 256);
  EXPECT_EQ(packed.sequence_document[2], 1);
  EXPECT_EQ(shard_range(10, 0, 3), (std::pair<int64_t, int64_t>{0, 3}));
  EXPECT_EQ(shard_range(10, 2, 3), (std::pair<int64_t, int64_t>{6, 10}));
}

TEST(Sequences, EmptyCorpusIsAClearError) {
  const fs::path dir = scratch("empty");
  write(dir / "c.txt", "\n\n  \n");
  try {
    tokenize_corpus(spec_for(dir / "c.txt", SourceFormat::text), byte_encoder);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("the corpus is empty"), std::string::npos) << e.what();
  }
  write(dir / "d.jsonl", "{\"txt\": \"x\"}\n");
  EXPECT_THROW(tokenize_corpus(spec_for(dir / "d.jsonl", SourceFormat::jsonl), byte_encoder), InputError);
}

TEST(Sequences, PreferencePairsLabelTheDifferingResponse) {
  EXPECT_EQ(preference_prompt("\n\nHuman: hi\n\nAssistant: Sure thing", "\n\nHuman: hi\n\nAssistant: Surely not", "\n\nAssistant:"),
            "\n\nHuman: hi\n\nAssistant:");
  EXPECT_EQ(preference_prompt("abcX", "abcY", ""), "abc");
  const fs::path dir = scratch("pref");
  write(dir / "p.jsonl", R"({"chosen": "Q: x\n\nAssistant: yes", "rejected": "Q: x\n\nAssistant: no!"})" "\n");
  const TokenizedCorpus c = tokenize_corpus(spec_for(dir / "p.jsonl", SourceFormat::preference_jsonl), byte_encoder);
  ASSERT_EQ(c.n_sequences(), 2);
  const std::size_t prompt = 1 + std::string("Q: x\n\nAssistant:").size();
  const auto chosen = c.sequence_preference(0);
  const auto rejected = c.sequence_preference(1);
  for (std::size_t i = 0; i < chosen.size(); ++i) EXPECT_EQ(chosen[i], i < prompt ? -1 : 1) << i;
  for (std::size_t i = 0; i < rejected.size(); ++i) EXPECT_EQ(rejected[i], i < prompt ? -1 : 0) << i;
  EXPECT_EQ(rejected.size(), prompt + 4);
}

TEST(Sequences, TokenCacheRoundTripAndMismatch) {
  const fs::path dir = scratch("cache");
  write(dir / "c.txt", "abc\n\nde\n");
  const TokenizedCorpus c = tokenize_corpus(spec_for(dir / "c.txt", SourceFormat::text), byte_encoder);
  TokenCacheInfo info{"tok.json", "aaaa", "hhhh", 4, "soft_h", 512, "per_document"};
  write_token_cache(dir / "corpus" / "tok.h5", c, info);
  const TokenizedCorpus back = read_token_cache(dir / "corpus" / "tok.h5", info);
  EXPECT_EQ(back.ids, c.ids);
  EXPECT_EQ(back.offsets, c.offsets);
  EXPECT_EQ(back.preference, c.preference);
  info.config_hash = "other";
  EXPECT_THROW(read_token_cache(dir / "corpus" / "tok.h5", info), InputError);
}

TEST(Fixtures, ReadsTinyShakespeareAndHhRlhf) {
  if (!fs::exists(kFixtures)) GTEST_SKIP() << "fixtures not found at " << kFixtures;
  ReadStats stats;
  CorpusSource text;
  text.path = kFixtures / "tinyshakespeare.txt";
  const auto paragraphs = read_documents(text, false, stats);
  EXPECT_GT(paragraphs.size(), 7000u);
  EXPECT_EQ(paragraphs[0].text.rfind("First Citizen:\nBefore we proceed", 0), 0u);
  CorpusSource pairs;
  pairs.path = kFixtures / "hh-rlhf-harmless-base-test.jsonl";
  pairs.format = SourceFormat::preference_jsonl;
  ReadStats pair_stats;
  const auto docs = read_documents(pairs, false, pair_stats);
  EXPECT_EQ(docs.size() + pair_stats.skipped_empty, 2312u);
  for (const auto& d : docs) {
    const std::string prompt = preference_prompt(d.text, d.rejected, "\n\nAssistant:");
    ASSERT_FALSE(prompt.empty()) << d.name;
    EXPECT_EQ(d.rejected.rfind(prompt, 0), 0u) << d.name;
  }
}

TEST(Sequences, PairWithoutTheResponseMarkerNamesFileAndLine) {
  const fs::path dir = scratch("no-marker");
  write(dir / "p.jsonl", R"({"chosen": "Q: x\n\nAssistant: yes", "rejected": "Q: x\n\nAssistant: no"})" "\n"
                         R"({"chosen": "User: hi\nBot: yes", "rejected": "User: hi\nBot: no"})" "\n");
  try {
    tokenize_corpus(spec_for(dir / "p.jsonl", SourceFormat::preference_jsonl), byte_encoder);
    FAIL() << "a pair without its marker fell back to the common prefix";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()).rfind((dir / "p.jsonl").string() + " line 2: the pair's common prefix does not contain the response "
                                                                       "marker \"\\n\\nAssistant:\"", 0),
              0u)
        << e.what();
  }
  // An empty marker asks for the longest common prefix explicitly.
  CorpusSpec spec = spec_for(dir / "p.jsonl", SourceFormat::preference_jsonl);
  spec.sources[0].response_marker = "";
  EXPECT_EQ(tokenize_corpus(spec, byte_encoder).n_sequences(), 4);
}

TEST(Sequences, TokenizerErrorsNameTheRecord) {
  const fs::path dir = scratch("record");
  write(dir / "d.jsonl", "{\"text\": \"fine\"}\n\n{\"text\": \"boom\"}\n");
  const Encoder failing = [](std::string_view text, bool special) {
    if (text == "boom") throw InputError("tok.json: regex \"x\" failed on a text of 4 bytes: match limit exceeded");
    return byte_encoder(text, special);
  };
  try {
    tokenize_corpus(spec_for(dir / "d.jsonl", SourceFormat::jsonl), failing);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), (dir / "d.jsonl").string() + " line 3: tok.json: regex \"x\" failed on a text of 4 bytes: match limit exceeded");
  }
}

TEST(Documents, DirectoryGivenAsCorpusFileIsReportedAsADirectory) {
  const fs::path dir = scratch("dir-as-file");
  fs::create_directories(dir / "c.txt");
  for (const fs::path& path : {dir / "c.txt", dir / "c.txt.gz"}) {
    if (path.extension() == ".gz") fs::create_directories(path);
    try {
      tokenize_corpus(spec_for(path, SourceFormat::text), byte_encoder);
      FAIL() << path;
    } catch (const InputError& e) {
      EXPECT_EQ(std::string(e.what()).rfind(path.string() + ": is a directory", 0), 0u) << e.what();
    }
  }
}
