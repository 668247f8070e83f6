#pragma once
// Crash-safe file replacement: write a temporary file next to the target, fsync it, rename it
// over the target and fsync the directory, so a reader sees the old file or the new one, never a part.
#include <filesystem>
#include <string>
#include <string_view>

namespace infobound {

// A unique temporary name next to `target`: <target>.tmp.<host>.<pid>.
std::filesystem::path temporary_path_for(const std::filesystem::path& target);

void write_file_atomically(const std::filesystem::path& target, std::string_view bytes);

// fsync a file that is already closed, then rename it to `target` and fsync the directory.
void commit_file(const std::filesystem::path& temporary, const std::filesystem::path& target);

// The same for a folder of closed files (a checkpoint): fsync each file and the folder, replace
// `target` (removed first when it exists: a reader may see no folder, never a partial one) by it.
void commit_directory(const std::filesystem::path& temporary, const std::filesystem::path& target);

}  // namespace infobound
