#include "infobound/testing/scratch_dir.hpp"

#include <unistd.h>

#include <atomic>
#include <mutex>
#include <system_error>
#include <vector>

namespace infobound::testing {
namespace {

// Checkpoints and caches are megabytes each: everything made is removed at exit.
struct Created {
  std::mutex mutex;
  std::vector<std::filesystem::path> paths;
  ~Created() {
    std::error_code ignored;
    for (const auto& path : paths) std::filesystem::remove_all(path, ignored);
  }
};

Created& created() {
  static Created instance;
  return instance;
}

}  // namespace

std::filesystem::path scratch_dir(const std::string& name) {
  static std::atomic<int> counter{0};
  const auto dir = std::filesystem::temp_directory_path() /
                   ("infobound_" + name + "_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto& list = created();
  const std::lock_guard lock(list.mutex);
  list.paths.push_back(dir);
  return dir;
}

}  // namespace infobound::testing
