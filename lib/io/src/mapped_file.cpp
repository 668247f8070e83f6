#include "infobound/io/mapped_file.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "infobound/core/error.hpp"

namespace infobound::io {

MappedFile::~MappedFile() {
  if (address_ != nullptr) munmap(address_, size_);
}

std::shared_ptr<const MappedFile> MappedFile::open(const std::filesystem::path& path) {
  const std::string name = path.string();
  const int fd = ::open(name.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw InputError(name + ": cannot open: " + std::strerror(errno));
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw InputError(name + ": not a regular file");
  }
  std::shared_ptr<MappedFile> mapped(new MappedFile());
  mapped->size_ = static_cast<std::size_t>(st.st_size);
  if (mapped->size_ > 0) {
    void* address = mmap(nullptr, mapped->size_, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    if (address == MAP_FAILED) {
      const int error = errno;
      ::close(fd);
      throw InputError(name + ": cannot map file: " + std::strerror(error));
    }
    mapped->address_ = address;
  }
  ::close(fd);
  return mapped;
}

}  // namespace infobound::io
