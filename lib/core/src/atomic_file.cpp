#include "infobound/core/atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include "infobound/core/error.hpp"

namespace infobound {
namespace fs = std::filesystem;
namespace {

[[noreturn]] void fail(const std::string& what, const fs::path& path) {
  throw InputError(path.string() + ": " + what + ": " + std::strerror(errno));
}

void fsync_path(const fs::path& path, int flags) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) fail("cannot open for fsync", path);
  // Some file systems refuse fsync on directories (EINVAL); the rename is still atomic there.
  if (::fsync(fd) != 0 && errno != EINVAL && errno != EROFS) {
    ::close(fd);
    fail("fsync failed", path);
  }
  ::close(fd);
}

}  // namespace

fs::path temporary_path_for(const fs::path& target) {
  char host[256] = {0};
  if (::gethostname(host, sizeof host - 1) != 0) std::strcpy(host, "host");
  return fs::path(target.string() + ".tmp." + host + "." + std::to_string(::getpid()));
}

void commit_file(const fs::path& temporary, const fs::path& target) {
  fsync_path(temporary, O_RDONLY);
  if (::rename(temporary.c_str(), target.c_str()) != 0) fail("cannot rename " + temporary.string() + " to this name", target);
  fsync_path(target.parent_path().empty() ? fs::path(".") : target.parent_path(), O_RDONLY | O_DIRECTORY);
}

void commit_directory(const fs::path& temporary, const fs::path& target) {
  for (const auto& entry : fs::recursive_directory_iterator(temporary))
    if (entry.is_regular_file()) fsync_path(entry.path(), O_RDONLY);
  fsync_path(temporary, O_RDONLY | O_DIRECTORY);
  fs::remove_all(target);
  if (::rename(temporary.c_str(), target.c_str()) != 0) fail("cannot rename " + temporary.string() + " to this name", target);
  fsync_path(target.parent_path().empty() ? fs::path(".") : target.parent_path(), O_RDONLY | O_DIRECTORY);
}

void write_file_atomically(const fs::path& target, std::string_view bytes) {
  const fs::path temporary = temporary_path_for(target);
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail("cannot create", temporary);
  std::size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      ::close(fd);
      fail("write failed", temporary);
    }
    written += static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0) fail("close failed", temporary);
  commit_file(temporary, target);
}

}  // namespace infobound
