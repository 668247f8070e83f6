// PyTorch .bin checkpoints: the fixtures in ../shared/fixtures/models (MANIFEST.md, "PyTorch .bin
// checkpoints") hold the same weights as their safetensors twins; hostile pickles are refused
// without running anything.
#include "infobound/io/pytorch_bin.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>

#include "infobound/core/error.hpp"
#include "infobound/io/checkpoint.hpp"
#include "infobound/io/pytorch_pickle.hpp"
#include "infobound/testing/scratch_dir.hpp"

namespace fs = std::filesystem;
using infobound::InputError;
using namespace infobound::io;

namespace {

const fs::path kModels = fs::path(INFOBOUND_SHARED_DIR) / "fixtures" / "models";
const fs::path kHostileMarker = "/tmp/infobound-hostile-pickle-ran";

fs::path temp_dir() { return infobound::testing::scratch_dir(::testing::UnitTest::GetInstance()->current_test_info()->name()); }

// A byte string literal with its embedded NULs.
template <std::size_t N>
std::string raw(const char (&literal)[N]) {
  return std::string(literal, N - 1);
}

std::span<const std::byte> as_bytes(const std::string& s) { return std::as_bytes(std::span(s.data(), s.size())); }

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

std::string read_all(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

struct Twin {
  const char* bin;
  const char* safetensors;
  const char* description;
};

class BinTwin : public ::testing::TestWithParam<Twin> {};

}  // namespace

TEST_P(BinTwin, HoldsTheSameTensorsAsTheSafetensorsTwin) {
  const fs::path bin_dir = kModels / GetParam().bin, st_dir = kModels / GetParam().safetensors;
  if (!fs::exists(bin_dir) || !fs::exists(st_dir)) GTEST_SKIP() << "fixtures not found at " << kModels;
  const auto bin = Checkpoint::open(bin_dir);
  const auto twin = Checkpoint::open(st_dir);
  EXPECT_EQ(bin.description(), GetParam().description);
  std::size_t compared = 0;
  for (const auto& name : bin.names()) {
    const auto a = bin.find(name);
    const auto b = twin.find(name);
    if (!b) {
      // HF's torch.save keeps a tied lm_head (sharing the embedding's storage); safetensors drops it.
      EXPECT_EQ(name, "lm_head.weight");
      continue;
    }
    ++compared;
    EXPECT_EQ(a->dtype, b->dtype) << name;
    EXPECT_EQ(a->shape, b->shape) << name;
    ASSERT_EQ(a->bytes.size(), b->bytes.size()) << name;
    EXPECT_EQ(std::memcmp(a->bytes.data(), b->bytes.data(), a->bytes.size()), 0) << name;
  }
  EXPECT_EQ(compared, twin.names().size());
}

INSTANTIATE_TEST_SUITE_P(Fixtures, BinTwin,
                         ::testing::Values(Twin{"llama-bin", "llama", "pytorch_model.bin"},
                                           Twin{"gpt_neox-bin-sharded", "gpt_neox", "pytorch_model.bin.index.json"},
                                           Twin{"llama-bf16-bin", "llama-bf16", "pytorch_model.bin"},
                                           Twin{"gpt2-bin-legacy", "gpt2", "pytorch_model.bin"}),
                         [](const auto& info) {
                           std::string name = info.param.bin;
                           for (auto& c : name)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return name;
                         });

TEST(PytorchBin, HostilePickleIsRefusedNamingTheGlobalAndNeverRuns) {
  const fs::path file = kModels / "hostile-bin" / "pytorch_model.bin";
  if (!fs::exists(file)) GTEST_SKIP() << "fixture not found: " << file;
  fs::remove(kHostileMarker);
  const std::string message = error_of([&] { PytorchBinFile::open(file); });
  EXPECT_NE(message.find("posix.system"), std::string::npos) << message;
  EXPECT_NE(message.find(file.string()), std::string::npos) << message;
  EXPECT_FALSE(fs::exists(kHostileMarker));
}

TEST(PytorchBin, HostileCheckpointDirectoryIsRefusedAndTheMarkerNeverAppears) {
  const fs::path dir = kModels / "hostile-bin";
  if (!fs::exists(dir)) GTEST_SKIP() << "fixture not found: " << dir;
  fs::remove(kHostileMarker);
  const std::string message = error_of([&] { Checkpoint::open(dir); });
  EXPECT_NE(message.find("refusing the global 'posix.system'"), std::string::npos) << message;
  EXPECT_FALSE(fs::exists(kHostileMarker));
}

TEST(PytorchBin, SafetensorsIsPreferredWhenBothFormatsArePresent) {
  const fs::path hostile = kModels / "hostile-bin" / "pytorch_model.bin";
  if (!fs::exists(hostile)) GTEST_SKIP() << "fixtures not found at " << kModels;
  const auto dir = temp_dir();
  fs::copy(kModels / "llama" / "model.safetensors", dir / "model.safetensors");
  fs::copy(hostile, dir / "pytorch_model.bin");  // would be refused if it were read at all
  const auto checkpoint = Checkpoint::open(dir);
  EXPECT_EQ(checkpoint.description(), "model.safetensors");
  EXPECT_TRUE(checkpoint.find("model.embed_tokens.weight").has_value());
}

TEST(PytorchBin, ForbiddenGlobalsAndOpcodesAreNamed) {
  // GLOBAL 'builtins eval', then ('1+1',) REDUCE: Python would evaluate it.
  const std::string eval =
      raw("\x80\x02"
          "cbuiltins\neval\n"
          "X\x03\x00\x00\x00"
          "1+1"
          "\x85R.");
  EXPECT_NE(error_of([&] { read_pickle(as_bytes(eval), 0, "e.bin"); }).find("'builtins.eval'"), std::string::npos);
  // STACK_GLOBAL spells the same thing with strings from the stack.
  const std::string stacked = "\x80\x04\x8c\x02os\x8c\x06system\x93.";
  EXPECT_NE(error_of([&] { read_pickle(as_bytes(stacked), 0, "s.bin"); }).find("'os.system'"), std::string::npos);
  // NEWOBJ (0x81) builds an instance of any class: refused by opcode.
  const std::string newobj = "\x80\x02)\x29\x81.";
  EXPECT_NE(error_of([&] { read_pickle(as_bytes(newobj), 0, "n.bin"); }).find("opcode 0x81"), std::string::npos);
  // An allowed global still cannot be called in a way torch.save never writes.
  const std::string storage_call =
      "\x80\x02"
      "ctorch\nFloatStorage\n)R.";
  EXPECT_NE(error_of([&] { read_pickle(as_bytes(storage_call), 0, "c.bin"); }).find("storage type"), std::string::npos);
}

TEST(PytorchBin, MalformedPicklesAreErrorsNotCrashes) {
  for (const std::string& bytes : {std::string(""), std::string("\x80\x02"),
                                   std::string("\x80\x02X\xff\xff\xff\x7f"
                                               "abc"),
                                   std::string("\x80\x02h\x05."), std::string("\x80\x02(u."), std::string("\x80\x02\x30."),
                                   std::string("\x80\x02K\x01K\x02.")}) {
    EXPECT_NE(error_of([&] { read_pickle(as_bytes(bytes), 0, "m.bin"); }), "no error") << ::testing::PrintToString(bytes);
  }
}

TEST(PytorchBin, EveryTruncationOfARealFileIsAnError) {
  for (const char* name : {"llama-bin/pytorch_model.bin", "gpt2-bin-legacy/pytorch_model.bin"}) {
    const fs::path file = kModels / name;
    if (!fs::exists(file)) GTEST_SKIP() << "fixture not found: " << file;
    const std::string bytes = read_all(file);
    ASSERT_NO_THROW(parse_pytorch_bin(as_bytes(bytes), name));
    for (std::size_t size = 0; size < bytes.size(); size += 1 + size / 7) {
      const std::string prefix = bytes.substr(0, size);
      EXPECT_NE(error_of([&] { parse_pytorch_bin(as_bytes(prefix), name); }), "no error") << name << " cut at " << size;
    }
  }
}

TEST(PytorchBin, TensorsMustLieInsideTheirStorage) {
  const fs::path file = kModels / "gpt2-bin-legacy" / "pytorch_model.bin";
  if (!fs::exists(file)) GTEST_SKIP() << "fixture not found: " << file;
  std::string bytes = read_all(file);
  // The first tensor is transformer.wte.weight [512, 64] in a storage of 32768 floats: ask for 40000 rows.
  const std::string size_op = raw("M\x00\x02K@\x86");  // BININT2 512, BININT1 64, TUPLE2
  const auto at = bytes.find(size_op);
  ASSERT_NE(at, std::string::npos);
  bytes[at + 1] = '\x40', bytes[at + 2] = '\x9c';  // 512 -> 40000
  const std::string message = error_of([&] { parse_pytorch_bin(as_bytes(bytes), "g.bin"); });
  EXPECT_NE(message.find("lie outside its storage"), std::string::npos) << message;
}

TEST(WeightsDigest, SameWeightsGiveTheSameDigestWhateverTheLayout) {
  if (!fs::exists(kModels / "llama-sharded") || !fs::exists(kModels / "gpt2-bin-legacy")) GTEST_SKIP() << "fixtures not found";
  const std::string llama = weights_digest(Checkpoint::open(kModels / "llama"));
  EXPECT_EQ(llama.size(), 64u);
  EXPECT_EQ(weights_digest(Checkpoint::open(kModels / "llama-sharded")), llama);
  // Same tensors, legacy pickle instead of safetensors.
  EXPECT_EQ(weights_digest(Checkpoint::open(kModels / "gpt2-bin-legacy")), weights_digest(Checkpoint::open(kModels / "gpt2")));
  // llama-bin also stores the tied lm_head.weight, and bf16 differs in dtype and bytes.
  EXPECT_NE(weights_digest(Checkpoint::open(kModels / "llama-bin")), llama);
  EXPECT_NE(weights_digest(Checkpoint::open(kModels / "llama-bf16")), llama);
}
