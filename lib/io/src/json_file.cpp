#include "infobound/io/json_file.hpp"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <sstream>

#include "infobound/core/error.hpp"
#include "infobound/core/input_file.hpp"

namespace infobound::io {

std::string read_file_bytes(const std::filesystem::path& path) { return read_input_file(path, "file"); }

nlohmann::json read_json_file(const std::filesystem::path& path) {
  const std::string text = read_file_bytes(path);
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    // e.byte is 1-based; turn it into a line and column a user can open in an editor.
    const std::size_t offset = std::min<std::size_t>(e.byte > 0 ? e.byte - 1 : 0, text.size());
    const auto line = 1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(offset), '\n');
    const auto last_newline = text.rfind('\n', offset == 0 ? 0 : offset - 1);
    const auto column = last_newline == std::string::npos ? offset + 1 : offset - last_newline;
    std::string what = e.what();
    if (const auto colon = what.find("syntax error"); colon != std::string::npos) what = what.substr(colon);
    throw InputError(path.string() + ": invalid JSON at line " + std::to_string(line) + ", column " + std::to_string(column) +
                     ": " + what);
  }
}

}  // namespace infobound::io
