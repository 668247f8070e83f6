#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "infobound/io/hdf5.hpp"
#include "infobound/io/results_store.hpp"
#include "infobound/io/unit_store.hpp"
#include "infobound/testing/scratch_dir.hpp"

namespace fs = std::filesystem;
using namespace infobound::io;

namespace {

fs::path scratch(const std::string& name) { return infobound::testing::scratch_dir(name); }

infobound::ExactSum exact(double value) {
  infobound::ExactSum sum;
  sum.add(value);
  return sum;
}

UnitData sample_unit() {
  UnitData u;
  u.header.unit_id = "m__final__layers-0-2";
  u.header.model = "m";
  u.header.checkpoint = "final";
  u.header.config_hash = "abc";
  u.header.n_bins = 3;
  u.header.eps = 0.05;
  u.header.d = 8;
  u.header.fixed_point_bits = 40;
  u.header.n_tokens = 11;
  u.header.loss_sum = exact(12.5);
  u.header.loss_count = 9;
  u.header.config_yaml = "study: t\n";
  for (int64_t l : {2, 0}) {
    infobound::LayerStatistics layer;
    layer.layer = l;
    layer.n_bins = 3;
    layer.fixed_point_bits = 40;
    layer.n_rows = 4;
    layer.bins = {15, 20, 5 + l};
    infobound::LabelSetStatistics out{"output_1", 1, 4, 2, 0, {10, 11, 12}, exact(0.5)};
    infobound::LabelSetStatistics in{"input_2", 2, 3, 1, 1, {7, 8, 9}, exact(1.0 / 3.0)};
    layer.label_sets = {out, in};
    u.layers.push_back(layer);
  }
  return u;
}

}  // namespace

TEST(UnitStore, RoundTripIsExactAndCanonicallyOrdered) {
  const fs::path dir = scratch("roundtrip");
  write_unit_file(dir / "u.h5", sample_unit());
  EXPECT_TRUE(fs::exists(dir / "u.h5"));
  for (const auto& entry : fs::directory_iterator(dir)) EXPECT_EQ(entry.path().filename(), "u.h5");  // no temp left
  const UnitData back = read_unit_file(dir / "u.h5", "abc");
  EXPECT_EQ(back.header.status, "complete");
  EXPECT_TRUE(back.header.loss_sum == exact(12.5));
  EXPECT_EQ(back.header.layers, (std::vector<int64_t>{0, 2}));
  ASSERT_EQ(back.layers.size(), 2u);
  EXPECT_EQ(back.layers[0].layer, 0);
  EXPECT_EQ(back.layers[1].bins, (std::vector<int64_t>{15, 20, 7}));
  EXPECT_EQ(back.layers[1].fixed_point_bits, 40);
  ASSERT_EQ(back.layers[1].label_sets.size(), 2u);
  EXPECT_EQ(back.layers[1].label_sets[0].name, "input_2");
  EXPECT_EQ(back.layers[1].label_sets[0].key_width, 2);
  EXPECT_EQ(back.layers[1].label_sets[0].folded_rows, 1);
  EXPECT_TRUE(back.layers[1].label_sets[0].conditional == exact(1.0 / 3.0));
  EXPECT_EQ(back.layers[1].label_sets[1].marginal, (std::vector<int64_t>{10, 11, 12}));
  EXPECT_EQ(back.layers[1].label_sets[1].labelled_rows, 4);
  EXPECT_EQ(unit_checksum(back), back.header.checksum);
}

TEST(UnitStore, FilesStayKilobytesWhateverTheCorpus) {
  const fs::path dir = scratch("small");
  UnitData big = sample_unit();
  big.header.n_tokens = int64_t{5} << 30;
  write_unit_file(dir / "u.h5", big);
  EXPECT_LT(fs::file_size(dir / "u.h5"), 64u * 1024);
}

TEST(UnitStore, RefusesSchemaOneWithWhatToDo) {
  const fs::path dir = scratch("schema1");
  {
    auto file = infobound::io::h5::File::create(dir / "old.h5");
    file.root().set_attribute("schema_version", int64_t{1});
    file.close();
  }
  try {
    read_unit_file(dir / "old.h5", "abc");
    FAIL();
  } catch (const UnitFileError& e) {
    EXPECT_NE(std::string(e.what()).find("new --out directory"), std::string::npos) << e.what();
  }
}

TEST(UnitStore, RefusesOtherConfigHashNamingBoth) {
  const fs::path dir = scratch("hash");
  write_unit_file(dir / "u.h5", sample_unit());
  try {
    read_unit_file(dir / "u.h5", "def");
    FAIL();
  } catch (const UnitFileError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("abc"), std::string::npos) << message;
    EXPECT_NE(message.find("def"), std::string::npos) << message;
  }
  EXPECT_THROW(read_unit_header(dir / "u.h5", "def"), UnitFileError);
  EXPECT_EQ(read_unit_header(dir / "u.h5", "abc").unit_id, "m__final__layers-0-2");
}

TEST(UnitStore, DetectsTruncationAndBitFlips) {
  const fs::path dir = scratch("corrupt");
  write_unit_file(dir / "u.h5", sample_unit());
  const auto size = fs::file_size(dir / "u.h5");
  fs::copy_file(dir / "u.h5", dir / "t.h5");
  fs::resize_file(dir / "t.h5", size / 2);
  EXPECT_THROW(read_unit_file(dir / "t.h5", "abc"), UnitFileError);

  // Flip one bit of a stored count in the raw file: only the checksum can notice.
  UnitData marked = sample_unit();
  const int64_t marker = 0x1234567890abcdLL;
  marked.layers[0].bins[0] = marker;
  write_unit_file(dir / "x.h5", marked);
  EXPECT_NO_THROW(read_unit_file(dir / "x.h5", "abc"));
  std::string bytes;
  {
    std::ifstream in(dir / "x.h5", std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  const auto at = bytes.find(std::string(reinterpret_cast<const char*>(&marker), sizeof marker));
  ASSERT_NE(at, std::string::npos);
  bytes[at] ^= 1;
  std::ofstream(dir / "x.h5", std::ios::binary | std::ios::trunc) << bytes;
  try {
    read_unit_file(dir / "x.h5", "abc");
    FAIL();
  } catch (const UnitFileError& e) {
    EXPECT_NE(std::string(e.what()).find("checksum mismatch"), std::string::npos) << e.what();
  }
  EXPECT_THROW(read_unit_file(dir / "missing.h5", "abc"), UnitFileError);
  std::ofstream(dir / "garbage.h5") << "not hdf5";
  EXPECT_THROW(read_unit_file(dir / "garbage.h5", "abc"), UnitFileError);
}

TEST(ResultsStore, RoundTripWithTextAndEmptyCells) {
  const fs::path dir = scratch("results");
  ResultsFile r;
  r.study = "t";
  r.config_hash = "abc";
  r.columns.push_back({"model", true, {"a", "b"}, {}});
  r.columns.push_back({"H", false, {}, {0.5, std::nan("")}});
  r.unit_ids = {"u1"};
  r.unit_checksums = {"c1"};
  write_results_file(dir / "results.h5", r);
  const ResultsFile back = read_results_file(dir / "results.h5", "abc");
  ASSERT_EQ(back.columns.size(), 2u);
  EXPECT_EQ(back.columns[0].text, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(back.columns[1].numbers[0], 0.5);
  EXPECT_TRUE(std::isnan(back.columns[1].numbers[1]));
  EXPECT_THROW(read_results_file(dir / "results.h5", "zzz"), infobound::InputError);
}
