#pragma once
// Scratch folders for tests: a fresh folder under the temp directory with a name no other test
// process (ctest runs suites in parallel) or earlier call uses, removed when the process exits.
#include <filesystem>
#include <string>

namespace infobound::testing {

// <tmp>/infobound_<name>_<pid>_<n>, created empty; `name` only makes it recognisable.
std::filesystem::path scratch_dir(const std::string& name);

}  // namespace infobound::testing
