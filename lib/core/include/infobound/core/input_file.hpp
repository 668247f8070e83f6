#pragma once
// Reading a whole input file, with the errors a user can act on: a directory given where a file is
// expected is reported as a directory (an ifstream opens one and reads it as empty).
#include <filesystem>
#include <string>
#include <string_view>

namespace infobound {

// The bytes of `path`. Throws InputError "<path>: <what> is a directory" / "... not found or not
// readable" / "read error"; `what` names the kind of file ("study config", "corpus file").
std::string read_input_file(const std::filesystem::path& path, std::string_view what);

// Throws InputError unless `path` is a regular file (or a link to one); same messages.
void require_input_file(const std::filesystem::path& path, std::string_view what);

}  // namespace infobound
