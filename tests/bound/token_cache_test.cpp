#include <gtest/gtest.h>

#include <hdf5.h>

#include <fstream>

#include "infobound/core/error.hpp"
#include "run_directory_fixture.hpp"

namespace {
std::string error_of(const std::filesystem::path& path) {
  try {
    infobound::bound::read_token_cache(path);
  } catch (const infobound::InputError& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST(TokenCache, RoundTripsThroughHdf5) {
  const auto dir = infobound::testing::fresh_directory("cache_roundtrip");
  const auto written = infobound::testing::markov_corpus(5, 11, 9, 3, 3);
  infobound::bound::write_token_cache(dir / "gpt2.h5", written);
  const auto read = infobound::bound::read_token_cache(dir / "gpt2.h5");
  EXPECT_EQ(read.tokenizer_id, "gpt2");
  EXPECT_EQ(read.ids, written.ids);
  EXPECT_EQ(read.offsets, written.offsets);
  EXPECT_EQ(read.preference, written.preference);
  EXPECT_EQ(read.max_order, 3);
  EXPECT_EQ(read.window, "soft_h");
  EXPECT_EQ(read.num_sequences(), 5);
}

TEST(TokenCache, InconsistentOffsetsAreNamed) {
  const auto dir = infobound::testing::fresh_directory("cache_bad");
  auto cache = infobound::testing::markov_corpus(3, 5, 9, 3);
  cache.offsets.back() = 99;
  infobound::bound::write_token_cache(dir / "bad.h5", cache);
  const std::string what = error_of(dir / "bad.h5");
  EXPECT_NE(what.find("bad.h5"), std::string::npos) << what;
  EXPECT_NE(what.find("'offsets' ends at 99"), std::string::npos) << what;
}

TEST(TokenCache, UnknownWindowIsRejected) {
  const auto dir = infobound::testing::fresh_directory("cache_window");
  auto cache = infobound::testing::markov_corpus(3, 5, 9, 3);
  cache.window = "sliding";
  infobound::bound::write_token_cache(dir / "w.h5", cache);
  EXPECT_NE(error_of(dir / "w.h5").find("'window' is 'sliding'"), std::string::npos);
}

TEST(TokenCache, MissingDatasetAndNonHdf5FileAreClearErrors) {
  const auto dir = infobound::testing::fresh_directory("cache_missing");
  const hid_t file = H5Fcreate((dir / "empty.h5").c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  H5Fclose(file);
  EXPECT_NE(error_of(dir / "empty.h5").find("dataset 'ids' is missing"), std::string::npos);
  std::ofstream(dir / "text.h5") << "not hdf5";
  EXPECT_NE(error_of(dir / "text.h5").find("not a readable HDF5 file"), std::string::npos);
  EXPECT_NE(error_of(dir / "absent.h5").find("not found"), std::string::npos);
}
