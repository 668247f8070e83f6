#pragma once
// A fresh folder under the temp directory, removed when the test process exits: checkpoints are
// megabytes each.
#include <unistd.h>

#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

inline std::filesystem::path scratch_dir(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / ("infobound_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  static std::vector<std::filesystem::path> created;
  static const struct Cleanup {
    ~Cleanup() {
      std::error_code ignored;
      for (const auto& path : created) std::filesystem::remove_all(path, ignored);
    }
  } cleanup;
  created.push_back(dir);
  return dir;
}
