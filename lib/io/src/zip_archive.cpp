#include "infobound/io/zip_archive.hpp"

#include <cstdint>
#include <optional>
#include <set>

#include "infobound/core/error.hpp"

namespace infobound::io {
namespace {

constexpr uint32_t kLocalHeader = 0x04034b50;
constexpr uint32_t kCentralHeader = 0x02014b50;
constexpr uint32_t kEndOfDirectory = 0x06054b50;
constexpr uint32_t kZip64Locator = 0x07064b50;
constexpr uint32_t kZip64EndOfDirectory = 0x06064b50;
constexpr std::size_t kEndOfDirectorySize = 22;
constexpr std::size_t kMaxComment = 0xffff;

// Little-endian reads that fail (nullopt) instead of running off the archive.
class Reader {
 public:
  Reader(std::span<const std::byte> bytes, const std::string& file_name) : bytes_(bytes), file_(file_name) {}
  uint64_t uint(uint64_t offset, int width, const char* what) const {
    if (offset > bytes_.size() || bytes_.size() - offset < static_cast<uint64_t>(width))
      throw InputError(file_ + ": zip " + what + " at byte " + std::to_string(offset) + " runs past the end of the " +
                       std::to_string(bytes_.size()) + "-byte file (truncated or not a torch checkpoint)");
    uint64_t value = 0;
    for (int i = width - 1; i >= 0; --i) value = (value << 8) | static_cast<uint64_t>(bytes_[offset + static_cast<uint64_t>(i)]);
    return value;
  }
  std::span<const std::byte> range(uint64_t offset, uint64_t size, const std::string& what) const {
    if (offset > bytes_.size() || size > bytes_.size() - offset)
      throw InputError(file_ + ": zip " + what + " (bytes " + std::to_string(offset) + " + " + std::to_string(size) +
                       ") lies outside the " + std::to_string(bytes_.size()) + "-byte file (truncated or corrupted)");
    return bytes_.subspan(offset, size);
  }
  std::size_t size() const { return bytes_.size(); }
  const std::string& file() const { return file_; }

 private:
  std::span<const std::byte> bytes_;
  const std::string& file_;
};

struct Directory {
  uint64_t entries = 0;
  uint64_t offset = 0;
  uint64_t size = 0;
};

Directory find_directory(const Reader& in) {
  if (in.size() < kEndOfDirectorySize) throw InputError(in.file() + ": too short to be a zip archive");
  const uint64_t lowest = in.size() > kEndOfDirectorySize + kMaxComment ? in.size() - kEndOfDirectorySize - kMaxComment : 0;
  std::optional<uint64_t> end;
  for (uint64_t at = in.size() - kEndOfDirectorySize + 1; at-- > lowest;)
    if (in.uint(at, 4, "end of central directory") == kEndOfDirectory) {
      end = at;
      break;
    }
  if (!end) throw InputError(in.file() + ": no zip end-of-central-directory record (truncated or not a torch checkpoint)");
  Directory directory{in.uint(*end + 10, 2, "entry count"), in.uint(*end + 16, 4, "directory offset"),
                      in.uint(*end + 12, 4, "directory size")};
  const bool zip64 = directory.entries == 0xffff || directory.offset == 0xffffffff || directory.size == 0xffffffff;
  if (zip64) {
    if (*end < 20 || in.uint(*end - 20, 4, "ZIP64 locator") != kZip64Locator)
      throw InputError(in.file() + ": zip archive needs a ZIP64 record but has none (corrupted)");
    const uint64_t record = in.uint(*end - 20 + 8, 8, "ZIP64 record offset");
    if (in.uint(record, 4, "ZIP64 end of central directory") != kZip64EndOfDirectory)
      throw InputError(in.file() + ": ZIP64 end-of-central-directory record not found where the locator points (corrupted)");
    directory = {in.uint(record + 32, 8, "ZIP64 entry count"), in.uint(record + 48, 8, "ZIP64 directory offset"),
                 in.uint(record + 40, 8, "ZIP64 directory size")};
  }
  in.range(directory.offset, directory.size, "central directory");
  return directory;
}

// The ZIP64 extra field replaces, in this order, whichever of the sizes and offset are 0xffffffff.
void apply_zip64_extra(const Reader& in, uint64_t extra, uint64_t extra_end, uint64_t* size, uint64_t* compressed,
                       uint64_t* local) {
  while (extra + 4 <= extra_end) {
    const uint64_t id = in.uint(extra, 2, "extra field");
    const uint64_t length = in.uint(extra + 2, 2, "extra field");
    const uint64_t body = extra + 4;
    if (length > extra_end - body) throw InputError(in.file() + ": zip extra field overruns its entry (corrupted)");
    if (id == 1) {
      uint64_t at = body;
      for (uint64_t* field : {size, compressed, local}) {
        if (*field != 0xffffffff) continue;
        if (at + 8 > body + length) throw InputError(in.file() + ": ZIP64 extra field is too short (corrupted)");
        *field = in.uint(at, 8, "ZIP64 extra field");
        at += 8;
      }
      return;
    }
    extra = body + length;
  }
}

}  // namespace

bool looks_like_zip(std::span<const std::byte> bytes) {
  return bytes.size() >= 4 && bytes[0] == std::byte{'P'} && bytes[1] == std::byte{'K'} && bytes[2] == std::byte{3} &&
         bytes[3] == std::byte{4};
}

std::vector<ZipEntry> read_zip_entries(std::span<const std::byte> archive, const std::string& file_name) {
  const Reader in(archive, file_name);
  const Directory directory = find_directory(in);
  std::vector<ZipEntry> entries;
  std::set<std::string> names;
  uint64_t at = directory.offset;
  const uint64_t directory_end = directory.offset + directory.size;
  for (uint64_t i = 0; i < directory.entries; ++i) {
    if (at + 46 > directory_end)
      throw InputError(file_name + ": zip central directory ends before its " + std::to_string(directory.entries) +
                       " entries (corrupted)");
    if (in.uint(at, 4, "central directory entry") != kCentralHeader)
      throw InputError(file_name + ": zip central directory entry " + std::to_string(i) + " has a bad signature (corrupted)");
    const uint64_t flags = in.uint(at + 8, 2, "entry flags");
    const uint64_t method = in.uint(at + 10, 2, "compression method");
    uint64_t compressed = in.uint(at + 20, 4, "compressed size");
    uint64_t size = in.uint(at + 24, 4, "size");
    const uint64_t name_length = in.uint(at + 28, 2, "name length");
    const uint64_t extra_length = in.uint(at + 30, 2, "extra length");
    const uint64_t comment_length = in.uint(at + 32, 2, "comment length");
    uint64_t local = in.uint(at + 42, 4, "local header offset");
    const uint64_t next = at + 46 + name_length + extra_length + comment_length;
    if (next > directory_end)
      throw InputError(file_name + ": zip central directory entry " + std::to_string(i) + " overruns the directory (corrupted)");
    const auto name_bytes = in.range(at + 46, name_length, "entry name");
    std::string name(reinterpret_cast<const char*>(name_bytes.data()), name_bytes.size());
    apply_zip64_extra(in, at + 46 + name_length, at + 46 + name_length + extra_length, &size, &compressed, &local);
    if (flags & 1) throw InputError(file_name + ": zip entry '" + name + "' is encrypted");
    if (method != 0 || compressed != size)
      throw InputError(file_name + ": zip entry '" + name + "' is compressed (method " + std::to_string(method) +
                       "); torch.save stores entries uncompressed, so this is not a torch checkpoint as written");
    if (in.uint(local, 4, "local header") != kLocalHeader)
      throw InputError(file_name + ": zip entry '" + name + "' has no local header where the directory points (corrupted)");
    const uint64_t data = local + 30 + in.uint(local + 26, 2, "local name length") + in.uint(local + 28, 2, "local extra length");
    if (!names.insert(name).second) throw InputError(file_name + ": zip archive holds '" + name + "' twice");
    entries.push_back({std::move(name), in.range(data, size, "entry data")});
    at = next;
  }
  return entries;
}

}  // namespace infobound::io
