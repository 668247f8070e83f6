#include "infobound/testing/cli.hpp"

#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "infobound/testing/scratch_dir.hpp"

namespace infobound::testing {
namespace {

std::string read_all(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

}  // namespace

std::filesystem::path infobound_binary() {
  return std::filesystem::path(INFOBOUND_BINARY_DIR) / "apps" / "infobound" / "infobound";
}

std::string shell_quote(const std::string& word) {
  std::string quoted = "'";
  for (const char c : word) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

CliResult run_cli(const std::string& arguments, const std::string& environment) {
  // Files rather than pipes: reading two pipes in turn can deadlock on a chatty process.
  const auto dir = scratch_dir("cli");
  const auto out = dir / "stdout", err = dir / "stderr";
  const std::string command = environment + " " + shell_quote(infobound_binary().string()) + " " + arguments + " >" +
                              shell_quote(out.string()) + " 2>" + shell_quote(err.string());
  const int status = std::system(command.c_str());
  CliResult result;
  result.exit_code = status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.out = read_all(out);
  result.err = read_all(err);
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
  return result;
}

}  // namespace infobound::testing
