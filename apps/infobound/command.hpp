#pragma once
// Subcommands register themselves from their own file (cmd_<name>.cpp), so adding one
// touches no shared list.
#include <functional>
#include <string>
#include <vector>

namespace infobound::cli {

struct Command {
  std::string name;
  std::string summary;
  // argv[0] is the subcommand name. Returns the process exit code.
  std::function<int(int argc, char** argv)> run;
};

std::vector<Command>& commands();

struct Register {
  explicit Register(Command command) { commands().push_back(std::move(command)); }
};

}  // namespace infobound::cli
