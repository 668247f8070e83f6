#include "infobound/core/input_file.hpp"

#include <fstream>
#include <sstream>

#include "infobound/core/error.hpp"

namespace infobound {

void require_input_file(const std::filesystem::path& path, std::string_view what) {
  std::error_code error;
  const auto status = std::filesystem::status(path, error);
  if (std::filesystem::is_directory(status))
    throw InputError(path.string() + ": is a directory, but a " + std::string(what) + " (a file) is expected here");
  if (!std::filesystem::exists(status)) throw InputError(path.string() + ": " + std::string(what) + " not found");
  if (!std::filesystem::is_regular_file(status) && !std::filesystem::is_fifo(status) &&
      !std::filesystem::is_character_file(status))
    throw InputError(path.string() + ": is not a regular file (a " + std::string(what) + " is expected here)");
}

std::string read_input_file(const std::filesystem::path& path, std::string_view what) {
  require_input_file(path, what);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path.string() + ": cannot open the " + std::string(what) + " for reading");
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (in.bad()) throw InputError(path.string() + ": read error in the " + std::string(what));
  return bytes.str();
}

}  // namespace infobound
