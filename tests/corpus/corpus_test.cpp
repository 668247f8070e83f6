#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "infobound/core/error.hpp"
#include "infobound/corpus/documents.hpp"
#include "infobound/corpus/sequences.hpp"
#include "infobound/testing/matchers.hpp"
#include "infobound/testing/scratch_dir.hpp"

namespace fs = std::filesystem;
using namespace infobound;
using namespace infobound::corpus;
using infobound::testing::ThrowsInputError;

namespace {

fs::path scratch(const std::string& name) { return infobound::testing::scratch_dir("corpus_" + name); }

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
  EXPECT_THAT([] { to_valid_utf8("ab\xff", false, "doc 3", nullptr); },
              ThrowsInputError({"doc 3: invalid UTF-8 at byte offset 2"}));
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
  EXPECT_THAT([&] { read_documents(spec.sources[0], false, stats); }, ThrowsInputError({"document 1 (line 3)", "byte offset 4"}));
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
  EXPECT_EQ(std::vector<int64_t>(per_doc.sequence(0).begin(), per_doc.sequence(0).end()),
            (std::vector<int64_t>{256, 'a', 'b', 'c'}));
  EXPECT_EQ(per_doc.sequence(1).size(), 3u);
  spec.sequences = SequenceMode::packed;
  const TokenizedCorpus packed = tokenize_corpus(spec, byte_encoder);
  ASSERT_EQ(packed.n_sequences(), 3);  // 7 + 3 = 10 tokens -> 4, 4, 2
  EXPECT_EQ(packed.sequence(1)[3], 256);
  EXPECT_EQ(packed.sequence_document[2], 1);
}

TEST(Sequences, EmptyCorpusIsAClearError) {
  const fs::path dir = scratch("empty");
  write(dir / "c.txt", "\n\n  \n");
  EXPECT_THAT([&] { tokenize_corpus(spec_for(dir / "c.txt", SourceFormat::text), byte_encoder); },
              ThrowsInputError({"the corpus is empty"}));
  write(dir / "d.jsonl", "{\"txt\": \"x\"}\n");
  EXPECT_THROW(tokenize_corpus(spec_for(dir / "d.jsonl", SourceFormat::jsonl), byte_encoder), InputError);
}

TEST(Sequences, PreferencePairsLabelTheDifferingResponse) {
  EXPECT_EQ(
      preference_prompt("\n\nHuman: hi\n\nAssistant: Sure thing", "\n\nHuman: hi\n\nAssistant: Surely not", "\n\nAssistant:"),
      "\n\nHuman: hi\n\nAssistant:");
  EXPECT_EQ(preference_prompt("abcX", "abcY", ""), "abc");
  const fs::path dir = scratch("pref");
  write(dir / "p.jsonl", R"({"chosen": "Q: x\n\nAssistant: yes", "rejected": "Q: x\n\nAssistant: no!"})"
                         "\n");
  const TokenizedCorpus c = tokenize_corpus(spec_for(dir / "p.jsonl", SourceFormat::preference_jsonl), byte_encoder);
  ASSERT_EQ(c.n_sequences(), 2);
  const std::size_t prompt = 1 + std::string("Q: x\n\nAssistant:").size();
  const auto chosen = c.sequence_preference(0);
  const auto rejected = c.sequence_preference(1);
  for (std::size_t i = 0; i < chosen.size(); ++i) EXPECT_EQ(chosen[i], i < prompt ? -1 : 1) << i;
  for (std::size_t i = 0; i < rejected.size(); ++i) EXPECT_EQ(rejected[i], i < prompt ? -1 : 0) << i;
  EXPECT_EQ(rejected.size(), prompt + 4);
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

// Tulu 3 preference mixtures (allenai/llama-3.1-tulu-3-8b-preference-mixture) hold each side as a
// list of chat messages; rendered with the default role prefixes they must give exactly the
// tokens and preference labels of the same pairs written as HH-RLHF dialogue strings.
TEST(Sequences, TuluMessagesGiveTheSamePreferenceDataAsHhRlhfStrings) {
  const fs::path dir = scratch("tulu");
  // The real schema: id, prompt, chosen and rejected as [{content, role}], source.
  write(
      dir / "tulu.jsonl",
      R"({"id": "a-1", "prompt": "What is 2+2?", "chosen": [{"content": "What is 2+2?", "role": "user"}, {"content": "2+2 is 4.", "role": "assistant"}], "rejected": [{"content": "What is 2+2?", "role": "user"}, {"content": "It is 5.", "role": "assistant"}], "source": "test"})"
      "\n"
      R"({"id": "a-2", "prompt": "Name a colour.", "chosen": [{"content": "Be brief.", "role": "system"}, {"content": "Name a colour.", "role": "user"}, {"content": "Blue.", "role": "assistant"}], "rejected": [{"content": "Be brief.", "role": "system"}, {"content": "Name a colour.", "role": "user"}, {"content": "I like many colours, for instance blue.", "role": "assistant"}], "source": "test"})"
      "\n"
      R"({"id": "a-3", "prompt": "Hi", "chosen": [{"content": "Hi", "role": "user"}, {"content": "Hello!", "role": "assistant"}, {"content": "Bye", "role": "user"}, {"content": "Goodbye, take care.", "role": "assistant"}], "rejected": [{"content": "Hi", "role": "user"}, {"content": "Hello!", "role": "assistant"}, {"content": "Bye", "role": "user"}, {"content": "Whatever.", "role": "assistant"}], "source": "test"})"
      "\n");
  write(
      dir / "hh.jsonl",
      R"({"chosen": "\n\nHuman: What is 2+2?\n\nAssistant: 2+2 is 4.", "rejected": "\n\nHuman: What is 2+2?\n\nAssistant: It is 5."})"
      "\n"
      R"({"chosen": "\n\nSystem: Be brief.\n\nHuman: Name a colour.\n\nAssistant: Blue.", "rejected": "\n\nSystem: Be brief.\n\nHuman: Name a colour.\n\nAssistant: I like many colours, for instance blue."})"
      "\n"
      R"({"chosen": "\n\nHuman: Hi\n\nAssistant: Hello!\n\nHuman: Bye\n\nAssistant: Goodbye, take care.", "rejected": "\n\nHuman: Hi\n\nAssistant: Hello!\n\nHuman: Bye\n\nAssistant: Whatever."})"
      "\n");
  const TokenizedCorpus tulu = tokenize_corpus(spec_for(dir / "tulu.jsonl", SourceFormat::preference_jsonl), byte_encoder);
  const TokenizedCorpus hh = tokenize_corpus(spec_for(dir / "hh.jsonl", SourceFormat::preference_jsonl), byte_encoder);
  ASSERT_EQ(tulu.n_sequences(), 6);
  EXPECT_EQ(tulu.ids, hh.ids);
  EXPECT_EQ(tulu.offsets, hh.offsets);
  EXPECT_EQ(tulu.preference, hh.preference);
  // The prompt of the multi-turn pair runs to the last assistant turn, as for HH-RLHF.
  const auto chosen = tulu.sequence_preference(4);
  const std::size_t prompt = 1 + std::string("\n\nHuman: Hi\n\nAssistant: Hello!\n\nHuman: Bye\n\nAssistant:").size();
  for (std::size_t i = 0; i < chosen.size(); ++i) ASSERT_EQ(chosen[i], i < prompt ? -1 : 1) << i;
}

TEST(Documents, MessagesRenderWithConfiguredRolePrefixesAndBadMessagesNameTheirLine) {
  CorpusSource source;
  source.format = SourceFormat::preference_jsonl;
  source.role_prefixes = {{"user", "<|user|>\n"}, {"assistant", "\n<|assistant|>\n"}};
  const auto messages = nlohmann::json::parse(R"([{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Yo"}])");
  EXPECT_EQ(render_messages(messages, source, "f line 1"), "<|user|>\nHi\n<|assistant|>\nYo");

  const fs::path dir = scratch("tulu-bad");
  source.path = dir / "bad.jsonl";
  ReadStats stats;
  auto error_of = [&](const std::string& line) {
    write(source.path, R"({"chosen": [{"role": "user", "content": "a"}], "rejected": "\n\nHuman: a"})"
                       "\n" +
                           line + "\n");
    try {
      read_documents(source, false, stats);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  const std::string unknown_role =
      error_of(R"({"chosen": [{"role": "tool", "content": "x"}], "rejected": [{"role": "user", "content": "y"}]})");
  EXPECT_NE(unknown_role.find("bad.jsonl line 2: field 'chosen' message 0: role 'tool'"), std::string::npos) << unknown_role;
  const std::string no_content = error_of(R"({"chosen": [{"role": "user"}], "rejected": [{"role": "user", "content": "y"}]})");
  EXPECT_NE(no_content.find("bad.jsonl line 2: field 'chosen' message 0: expected an object"), std::string::npos) << no_content;
  const std::string empty = error_of(R"({"chosen": [], "rejected": [{"role": "user", "content": "y"}]})");
  EXPECT_NE(empty.find("line 2: field 'chosen': expected a non-empty list"), std::string::npos) << empty;
}

TEST(Sequences, PairWithoutTheResponseMarkerNamesFileAndLine) {
  const fs::path dir = scratch("no-marker");
  write(dir / "p.jsonl", R"({"chosen": "Q: x\n\nAssistant: yes", "rejected": "Q: x\n\nAssistant: no"})"
                         "\n"
                         R"({"chosen": "User: hi\nBot: yes", "rejected": "User: hi\nBot: no"})"
                         "\n");
  try {
    tokenize_corpus(spec_for(dir / "p.jsonl", SourceFormat::preference_jsonl), byte_encoder);
    FAIL() << "a pair without its marker fell back to the common prefix";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()).rfind((dir / "p.jsonl").string() +
                                              " line 2: the pair's common prefix does not contain the response "
                                              "marker \"\\n\\nAssistant:\"",
                                          0),
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
    EXPECT_EQ(std::string(e.what()),
              (dir / "d.jsonl").string() + " line 3: tok.json: regex \"x\" failed on a text of 4 bytes: match limit exceeded");
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
