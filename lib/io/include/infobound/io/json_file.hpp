#pragma once
// Reading JSON files with errors that name the file, the line and the column.
#include <filesystem>

#include <nlohmann/json.hpp>

namespace infobound::io {

// Throws InputError "<path>: cannot read" or "<path>: invalid JSON at line L, column C: ...".
nlohmann::json read_json_file(const std::filesystem::path& path);

// Reads the whole file as bytes; throws InputError naming the file when it cannot be read.
std::string read_file_bytes(const std::filesystem::path& path);

}  // namespace infobound::io
