#pragma once
// The entries of a zip archive held in memory, as torch.save (>= 1.6) writes them: stored, not
// compressed, ZIP64 where an archive passes 4 GiB. Only what a reader of such archives needs:
// each entry's name and bytes, validated to lie inside the archive. Torch-free.
#include <cstddef>
#include <span>
#include <string>
#include <vector>

namespace infobound::io {

struct ZipEntry {
  std::string name;
  std::span<const std::byte> data;  // inside the archive given to read_zip_entries
};

// True when `bytes` starts like a zip archive (a local file header).
bool looks_like_zip(std::span<const std::byte> bytes);

// Reads the central directory and locates every entry's data. Throws InputError "<file_name>:
// ..." on a truncated or malformed archive, a compressed or encrypted entry, or a name given twice.
std::vector<ZipEntry> read_zip_entries(std::span<const std::byte> archive, const std::string& file_name);

}  // namespace infobound::io
