#pragma once
// Runs the built `infobound` binary as a real process and captures what a user would see.
#include <filesystem>
#include <string>

namespace infobound::testing {

struct CliResult {
  int exit_code = -1;  // -1 when the process did not exit normally (signal)
  std::string out;
  std::string err;
  std::string both() const { return out + err; }
};

// build/apps/infobound/infobound of this build tree.
std::filesystem::path infobound_binary();

// Runs `<environment> infobound <arguments>` through /bin/sh (so both are shell words: quote paths
// with shell_quote; `environment` is e.g. "OMP_WAIT_POLICY=active" or "env -u NAME") with stdout and
// stderr captured separately.
CliResult run_cli(const std::string& arguments, const std::string& environment = "");

// 'path' with single quotes escaped, for building a run_cli argument string.
std::string shell_quote(const std::string& word);

}  // namespace infobound::testing
