#pragma once
// SHA-256 digests (hex) of bytes and files: config hashes, tokenizer ids, corpus identity, checksums.
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace infobound {

// Incremental hashing, for content that is not in one buffer (unit file checksums).
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(const void* data, std::size_t size);
  void update(std::string_view bytes) { update(bytes.data(), bytes.size()); }
  // Lowercase hex of the digest; the object cannot be updated afterwards.
  std::string hex_digest();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

std::string sha256_hex(std::string_view bytes);
// Streams the file; throws InputError naming it when it cannot be read.
std::string sha256_file(const std::filesystem::path& path);

}  // namespace infobound
