// infobound CLI: dispatch to a subcommand and turn every error into a message and an exit code.
#include <algorithm>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <new>
#include <string>

#include <c10/util/Exception.h>

#include <boost/program_options/errors.hpp>

#include "command.hpp"
#include "infobound/core/error.hpp"
#include "infobound/core/error_context.hpp"
#include "infobound/core/log.hpp"
#include "infobound/core/page_faults.hpp"
#include "infobound/core/runtime_env.hpp"
#include "infobound/core/version.hpp"

namespace infobound::cli {

std::vector<Command>& commands() {
  static std::vector<Command> all;
  return all;
}

namespace {
void print_usage() {
  auto sorted = commands();
  std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  std::printf("infobound %s: how language models compress what they read\n\n", kVersion);
  std::printf("usage: infobound <command> [options]   (infobound <command> --help for its options)\n\ncommands:\n");
  for (const auto& command : sorted) std::printf("  %-14s %s\n", command.name.c_str(), command.summary.c_str());
}
}  // namespace
}  // namespace infobound::cli

int main(int argc, char** argv) {
  using namespace infobound;
  reexec_with_runtime_env(argv, thread_waits_for_command(argv));
  keep_freed_memory_for_reuse();
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h" || std::string(argv[1]) == "help") {
    cli::print_usage();
    return argc < 2 ? 2 : 0;
  }
  if (std::string(argv[1]) == "--version") {
    std::printf("infobound %s\n", kVersion);
    return 0;
  }
  const std::string name = argv[1];
  const auto& all = cli::commands();
  const auto it = std::find_if(all.begin(), all.end(), [&](const auto& c) { return c.name == name; });
  if (it == all.end()) {
    std::fprintf(stderr, "infobound: unknown command '%s' (infobound --help lists them)\n", name.c_str());
    return 2;
  }
  try {
    return it->run(argc - 1, argv + 1);
  } catch (const UsageError& e) {
    std::fprintf(stderr, "infobound %s: %s (see infobound %s --help)\n", name.c_str(), e.what(), name.c_str());
    return 2;
  } catch (const boost::program_options::error& e) {
    std::fprintf(stderr, "infobound %s: %s (see infobound %s --help)\n", name.c_str(), e.what(), name.c_str());
    return 2;
  } catch (const InputError& e) {
    std::fprintf(stderr, "infobound %s: error: %s\n", name.c_str(), e.what());
    return 2;
  } catch (const Interrupted& e) {
    std::fprintf(stderr, "infobound %s: interrupted: %s\n", name.c_str(), e.what());
    return 3;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr,
                 "infobound %s: error: out of memory (an input declares sizes this machine cannot hold; check the model's "
                 "config.json and the study's n_bins, batch_size and max_length)\n",
                 name.c_str());
    return 2;
  } catch (const c10::Error& e) {
    // libtorch appends a C++ backtrace: one line for the user, the rest for --verbose.
    log::debug(e.what());
    std::fprintf(stderr, "infobound %s: error: libtorch: %s\n", name.c_str(), first_line(e.what_without_backtrace()).c_str());
    return 2;
  } catch (const std::filesystem::filesystem_error& e) {
    std::fprintf(stderr, "infobound %s: error: %s\n", name.c_str(), first_line(e.what()).c_str());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "infobound %s: internal error: %s\n", name.c_str(), first_line(e.what()).c_str());
    return 1;
  }
}
