#include "infobound/io/safetensors.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "infobound/core/error.hpp"
#include "infobound/io/checkpoint.hpp"
#include "infobound/io/json_file.hpp"
#include "infobound/testing/scratch_dir.hpp"

namespace fs = std::filesystem;
using infobound::InputError;
using namespace infobound::io;

namespace {

const fs::path kModels = fs::path(INFOBOUND_SHARED_DIR) / "fixtures" / "models";

fs::path temp_dir() { return infobound::testing::scratch_dir(::testing::UnitTest::GetInstance()->current_test_info()->name()); }

std::string header_file(const std::string& json, const std::string& data = "") {
  std::string bytes(8, '\0');
  const uint64_t n = json.size();
  for (int i = 0; i < 8; ++i) bytes[static_cast<std::size_t>(i)] = static_cast<char>((n >> (8 * i)) & 0xff);
  return bytes + json + data;
}

std::string parse_error(const std::string& bytes) {
  try {
    parse_safetensors_header(std::as_bytes(std::span(bytes.data(), bytes.size())), "f.safetensors");
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

void write_bytes(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace

TEST(Safetensors, RoundTripKeepsValuesDtypesAndMetadata) {
  const auto dir = temp_dir();
  const at::Tensor f32 = at::arange(12, at::kFloat).view({3, 4}) / 7.0;
  const at::Tensor bf16 = at::randn({5}).to(at::kBFloat16);
  const at::Tensor i64 = at::arange(6, at::kLong).view({2, 3}).t();  // non-contiguous on purpose
  const at::Tensor scalar = at::scalar_tensor(2.5, at::kDouble);
  write_safetensors(dir / "t.safetensors", {{"b", bf16}, {"a", f32}, {"c", i64}, {"s", scalar}}, {{"format", "pt"}});
  const auto file = SafetensorsFile::open(dir / "t.safetensors");
  ASSERT_EQ(file.tensors().size(), 4u);
  EXPECT_EQ(file.tensors()[0].name, "a");  // sorted by name
  EXPECT_EQ(file.metadata().at("format"), "pt");
  EXPECT_TRUE(at::equal(file.tensor("a"), f32));
  EXPECT_TRUE(at::equal(file.tensor("b"), bf16));
  EXPECT_EQ(file.view("b").dtype, Dtype::BF16);
  EXPECT_TRUE(at::equal(file.tensor("c"), i64.contiguous()));
  EXPECT_EQ(file.tensor("s").dim(), 0);
  EXPECT_DOUBLE_EQ(file.tensor("s").item<double>(), 2.5);
  EXPECT_FALSE(file.contains("d"));
  EXPECT_THROW(file.view("d"), InputError);
  // Header length field + header is a multiple of 8, as HF writes it.
  std::ifstream in(dir / "t.safetensors", std::ios::binary);
  uint64_t n = 0;
  in.read(reinterpret_cast<char*>(&n), 8);
  EXPECT_EQ((8 + n) % 8, 0u);
}

TEST(Safetensors, RewritingAFixtureIsByteIdentical) {
  const auto source = kModels / "llama" / "model.safetensors";
  if (!fs::exists(source)) GTEST_SKIP() << "fixtures not found at " << source;
  const auto file = SafetensorsFile::open(source);
  std::vector<std::pair<std::string, at::Tensor>> tensors;
  for (const auto& t : file.tensors()) tensors.emplace_back(t.name, file.tensor(t.name));
  const auto dir = temp_dir();
  write_safetensors(dir / "copy.safetensors", tensors, file.metadata());
  EXPECT_EQ(read_file_bytes(dir / "copy.safetensors"), read_file_bytes(source));
}

TEST(Safetensors, AliasedTensorsDoNotWriteThroughToTheFile) {
  const auto dir = temp_dir();
  write_safetensors(dir / "t.safetensors", {{"x", at::ones({4})}});
  {
    const auto file = SafetensorsFile::open(dir / "t.safetensors");
    at::Tensor x = file.tensor("x");
    x.fill_(3.0);
  }
  EXPECT_TRUE(at::equal(SafetensorsFile::open(dir / "t.safetensors").tensor("x"), at::ones({4})));
}

TEST(Safetensors, TensorOutlivesTheFileObject) {
  const auto dir = temp_dir();
  write_safetensors(dir / "t.safetensors", {{"x", at::arange(100, at::kFloat)}});
  at::Tensor x;
  { x = SafetensorsFile::open(dir / "t.safetensors").tensor("x"); }
  EXPECT_EQ(x.sum().item<float>(), 4950.0f);
}

TEST(Safetensors, WriterRejectsDuplicateNames) {
  const auto dir = temp_dir();
  EXPECT_THROW(write_safetensors(dir / "t.safetensors", {{"x", at::ones({1})}, {"x", at::ones({1})}}), InputError);
  EXPECT_THROW(write_safetensors(dir / "t.safetensors", {{"__metadata__", at::ones({1})}}), InputError);
}

TEST(SafetensorsHeader, AcceptsAWellFormedHeader) {
  const std::string bytes =
      header_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"__metadata__":{"k":"v"}})", std::string(8, '\0'));
  const auto header = parse_safetensors_header(std::as_bytes(std::span(bytes.data(), bytes.size())), "f");
  ASSERT_EQ(header.tensors.size(), 1u);
  EXPECT_EQ(header.tensors[0].shape, std::vector<int64_t>{2});
  EXPECT_EQ(header.metadata.at("k"), "v");
  EXPECT_EQ(header.data_size, 8u);
}

TEST(SafetensorsHeader, RejectsTooShortFile) { EXPECT_NE(parse_error("abc").find("shorter than the 8-byte"), std::string::npos); }

TEST(SafetensorsHeader, RejectsOversizedHeaderLength) {
  std::string bytes(16, '\0');
  bytes[7] = 0x01;  // 2^56
  EXPECT_NE(parse_error(bytes).find("exceeds the limit"), std::string::npos) << parse_error(bytes);
}

TEST(SafetensorsHeader, RejectsHeaderLengthPastTheEnd) {
  std::string bytes = header_file(R"({})");
  bytes[0] = 100;
  EXPECT_NE(parse_error(bytes).find("runs past the end"), std::string::npos) << parse_error(bytes);
}

TEST(SafetensorsHeader, RejectsMalformedJson) {
  EXPECT_NE(parse_error(header_file(R"({"a":{"dtype":)")).find("not valid JSON"), std::string::npos);
  EXPECT_NE(parse_error(header_file(R"([1, 2])")).find("does not start with '{'"), std::string::npos);
}

TEST(SafetensorsHeader, RejectsUnknownDtype) {
  const auto error = parse_error(header_file(R"({"w":{"dtype":"F17","shape":[1],"data_offsets":[0,4]}})", std::string(4, '\0')));
  EXPECT_NE(error.find("tensor 'w': unknown dtype 'F17'"), std::string::npos) << error;
}

TEST(SafetensorsHeader, RejectsOffsetsInconsistentWithShape) {
  const auto error = parse_error(header_file(R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", std::string(8, '\0')));
  EXPECT_NE(error.find("tensor 'w': data_offsets span 8 bytes but F32 [3] needs 12"), std::string::npos) << error;
}

TEST(SafetensorsHeader, RejectsDataOutsideTheFile) {
  const auto error = parse_error(header_file(R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", std::string(8, '\0')));
  EXPECT_NE(error.find("tensor 'w' data is not within the file bounds"), std::string::npos) << error;
}

TEST(SafetensorsHeader, RejectsOverlappingTensors) {
  const auto error = parse_error(header_file(
      R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
      std::string(12, '\0')));
  EXPECT_NE(error.find("tensors 'a' and 'b' overlap"), std::string::npos) << error;
}

TEST(SafetensorsHeader, RejectsDuplicateNamesNegativeShapesAndBadFields) {
  EXPECT_NE(parse_error(header_file(R"({"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},)"
                                    R"("a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}})",
                                    std::string(2, '\0')))
                .find("names 'a' twice"),
            std::string::npos);
  EXPECT_NE(parse_error(header_file(R"({"a":{"dtype":"U8","shape":[-1],"data_offsets":[0,1]}})", "x")).find("non-negative"),
            std::string::npos);
  EXPECT_NE(parse_error(header_file(R"({"a":{"dtype":"U8","shape":[1],"data_offsets":[1,0]}})", "x")).find("end before"),
            std::string::npos);
  EXPECT_NE(parse_error(header_file(R"({"a":{"dtype":"U8","shape":[1]}})", "x")).find("data_offsets"), std::string::npos);
  EXPECT_NE(parse_error(header_file(R"({"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1],"x":1}})", "x"))
                .find("unexpected header field 'x'"),
            std::string::npos);
  EXPECT_NE(parse_error(header_file(R"({"__metadata__":{"k":1}})")).find("not a string"), std::string::npos);
  EXPECT_NE(
      parse_error(header_file(R"({"a":{"dtype":"U8","shape":[4294967296,4294967296,4294967296],"data_offsets":[0,1]}})", "x"))
          .find("more elements than can be addressed"),
      std::string::npos);
}

TEST(SafetensorsFile, TruncatedFixtureNamesFileAndTensor) {
  const auto source = kModels / "llama" / "model.safetensors";
  if (!fs::exists(source)) GTEST_SKIP() << "fixtures not found at " << source;
  const auto dir = temp_dir();
  const std::string bytes = read_file_bytes(source);
  write_bytes(dir / "model.safetensors", bytes.substr(0, bytes.size() - 100));
  try {
    SafetensorsFile::open(dir / "model.safetensors");
    FAIL() << "truncated file accepted";
  } catch (const InputError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find((dir / "model.safetensors").string()), std::string::npos) << what;
    EXPECT_NE(what.find("tensor 'model.norm.weight' data is not within the file bounds"), std::string::npos) << what;
  }
  EXPECT_THROW(SafetensorsFile::open(dir / "absent.safetensors"), InputError);
}

TEST(Checkpoint, ShardedIndexHoldsTheSameTensorsAsTheSingleFile) {
  const auto sharded_dir = kModels / "llama-sharded";
  if (!fs::exists(sharded_dir)) GTEST_SKIP() << "fixtures not found at " << sharded_dir;
  const auto sharded = Checkpoint::open(sharded_dir);
  const auto single = Checkpoint::open(kModels / "llama");
  EXPECT_EQ(sharded.description(), "model.safetensors.index.json");
  ASSERT_EQ(sharded.names(), single.names());
  for (const auto& name : single.names()) {
    const auto a = sharded.find(name), b = single.find(name);
    ASSERT_TRUE(a && b);
    ASSERT_EQ(a->bytes.size(), b->bytes.size());
    EXPECT_EQ(std::memcmp(a->bytes.data(), b->bytes.data(), a->bytes.size()), 0) << name;
  }
  EXPECT_EQ(sharded.file_of("model.layers.2.mlp.up_proj.weight").filename(), "model-00002-of-00002.safetensors");
}

TEST(Checkpoint, IndexNamingAMissingTensorOrShardIsAnError) {
  const auto sharded_dir = kModels / "llama-sharded";
  if (!fs::exists(sharded_dir)) GTEST_SKIP() << "fixtures not found at " << sharded_dir;
  const auto dir = temp_dir();
  for (const auto& entry : fs::directory_iterator(sharded_dir)) fs::copy(entry.path(), dir / entry.path().filename());
  auto index = read_json_file(dir / "model.safetensors.index.json");
  index["weight_map"]["model.extra.weight"] = "model-00001-of-00002.safetensors";
  fs::permissions(dir / "model.safetensors.index.json", fs::perms::owner_write, fs::perm_options::add);
  std::ofstream(dir / "model.safetensors.index.json") << index.dump();
  try {
    Checkpoint::open(dir);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("tensor 'model.extra.weight' is listed in shard"), std::string::npos) << e.what();
  }
  index["weight_map"]["model.extra.weight"] = "../escape.safetensors";
  std::ofstream(dir / "model.safetensors.index.json") << index.dump();
  EXPECT_THROW(Checkpoint::open(dir), InputError);
  EXPECT_THROW(Checkpoint::open(temp_dir() / "nothing"), InputError);
}
