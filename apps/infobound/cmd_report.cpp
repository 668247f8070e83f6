// `infobound report --run RUN`: figures and RUN/report.md|html from metrics, bound and regression.
#include <cstdio>
#include <iostream>

#include <boost/program_options.hpp>

#include "command.hpp"
#include "infobound/core/error.hpp"
#include "infobound/report/report.hpp"
#include "options.hpp"

namespace infobound::cli {
namespace {
namespace po = boost::program_options;

int run_report_command(int argc, char** argv) {
  report::ReportOptions options;
  std::string run_dir;
  po::options_description description(
      "infobound report --run RUN [options]\n\n"
      "Renders RUN/figures/*.png|svg with gnuplot and writes RUN/report.md and RUN/report.html. Needs\n"
      "RUN/metrics.csv; sections for RUN/bound.csv and RUN/regression/ are replaced by a note when absent.\n\n"
      "options");
  description.add_options()("help,h", "show this help")("run", po::value(&run_dir)->required(), "run directory")(
      "order", po::value(&options.order)->default_value(options.order), "n-gram order of the training-dynamics figures")(
      "gnuplot", po::value(&options.gnuplot)->default_value(options.gnuplot), "gnuplot executable");
  po::variables_map vm;
  if (!parse_options(argc, argv, description, vm)) return 0;
  if (options.order < 1 || options.order > 4) throw UsageError("--order must be 1..4");
  options.run_dir = run_dir;
  const auto result = report::write_report(options);
  std::printf("%zu figures in %s/figures; wrote %s and %s\n", result.figures.size(), run_dir.c_str(), result.markdown.c_str(),
              result.html.c_str());
  for (const auto& note : result.notes) std::printf("note: %s\n", note.c_str());
  return 0;
}

const Register registered{{"report", "figures and report.md/report.html of a run", run_report_command}};
}  // namespace
}  // namespace infobound::cli
