#pragma once
// A whole file mapped into memory, read-only from the file's point of view: pages are private
// and writable, so a caller writing to an aliased tensor gets copy-on-write pages instead of a
// crash, and the file is never modified.
#include <cstddef>
#include <filesystem>
#include <memory>
#include <span>

namespace infobound::io {

class MappedFile {
 public:
  // Throws InputError naming the file when it cannot be opened or mapped, or is not a regular file.
  static std::shared_ptr<const MappedFile> open(const std::filesystem::path& path);
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  std::span<const std::byte> bytes() const { return {static_cast<const std::byte*>(address_), size_}; }

 private:
  MappedFile() = default;
  void* address_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace infobound::io
