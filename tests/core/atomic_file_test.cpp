// Crash-safe replacement of files and folders (core/atomic_file.hpp), the one home of atomic writes.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "infobound/core/atomic_file.hpp"
#include "infobound/testing/scratch_dir.hpp"

namespace fs = std::filesystem;

namespace {

std::string read(const fs::path& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(AtomicFile, WriteReplacesTheFileAndLeavesNoTemporary) {
  const auto dir = infobound::testing::scratch_dir("atomic_file");
  infobound::write_file_atomically(dir / "a.csv", "old\n");
  infobound::write_file_atomically(dir / "a.csv", "new\n");
  EXPECT_EQ(read(dir / "a.csv"), "new\n");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);
}

TEST(AtomicFile, CommitDirectoryReplacesTheWholeFolder) {
  const auto dir = infobound::testing::scratch_dir("atomic_dir");
  fs::create_directories(dir / "step1");
  std::ofstream(dir / "step1" / "stale.txt") << "stale";
  const auto temporary = infobound::temporary_path_for(dir / "step1");
  fs::create_directories(temporary / "sub");
  std::ofstream(temporary / "model.safetensors") << "weights";
  std::ofstream(temporary / "sub" / "state.json") << "{}";
  infobound::commit_directory(temporary, dir / "step1");
  EXPECT_FALSE(fs::exists(temporary));
  EXPECT_FALSE(fs::exists(dir / "step1" / "stale.txt"));
  EXPECT_EQ(read(dir / "step1" / "model.safetensors"), "weights");
  EXPECT_EQ(read(dir / "step1" / "sub" / "state.json"), "{}");
}

}  // namespace
