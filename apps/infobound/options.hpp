#pragma once
// The option parsing every subcommand shares: parse, answer --help, then check required options.
#include <iostream>
#include <string_view>

#include <boost/program_options.hpp>

namespace infobound::cli {

// Parses argv (argv[0] is the subcommand) into `values`. With --help it prints `usage` (when not
// empty), the options and `epilog`, and returns false: the command then returns 0. Otherwise it
// stores bound variables and throws boost's error (exit 2 in main) for a missing required option.
inline bool parse_options(int argc, char** argv, const boost::program_options::options_description& options,
                          boost::program_options::variables_map& values, std::string_view usage = {},
                          std::string_view epilog = {}) {
  namespace po = boost::program_options;
  po::store(po::command_line_parser(argc, argv).options(options).run(), values);
  // --help may be a bool_switch, which is always stored (defaulted) when absent.
  const auto help = values.find("help");
  if (help != values.end() && !help->second.defaulted()) {
    if (!usage.empty()) std::cout << usage << "\n";
    std::cout << options << "\n" << epilog;
    return false;
  }
  po::notify(values);
  return true;
}

}  // namespace infobound::cli
