#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "infobound/core/error.hpp"
#include "infobound/io/json_file.hpp"
#include "infobound/testing/scratch_dir.hpp"

namespace {
std::filesystem::path write_temp(const std::string& name, const std::string& text) {
  static const auto dir = infobound::testing::scratch_dir("json_file");
  const auto path = dir / name;
  std::ofstream(path) << text;
  return path;
}
}  // namespace

TEST(JsonFile, ParsesValidJson) {
  const auto path = write_temp("infobound_ok.json", R"({"a": [1, 2]})");
  EXPECT_EQ(infobound::io::read_json_file(path)["a"][1], 2);
}

TEST(JsonFile, ErrorNamesFileLineAndColumn) {
  const auto path = write_temp("infobound_bad.json", "{\n  \"a\": 1,\n  \"b\" 2\n}");
  try {
    infobound::io::read_json_file(path);
    FAIL() << "expected an error";
  } catch (const infobound::InputError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("infobound_bad.json"), std::string::npos) << what;
    EXPECT_NE(what.find("line 3"), std::string::npos) << what;
  }
}

TEST(JsonFile, MissingFileIsAnInputError) {
  EXPECT_THROW(infobound::io::read_json_file("/nonexistent/x.json"), infobound::InputError);
}
