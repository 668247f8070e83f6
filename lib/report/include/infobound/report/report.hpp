#pragma once
// `infobound report --run RUN`: figures in RUN/figures/ (PNG + SVG, via gnuplot) and
// RUN/report.md + RUN/report.html with a plain reading of each figure and the tables.
// Needs RUN/metrics.csv; RUN/bound.csv and RUN/regression/ are optional (their sections are
// replaced by a note when absent).
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace infobound::report {

struct ReportOptions {
  std::filesystem::path run_dir;
  int64_t order = 1;  // n-gram order of the training-dynamics figures
  std::string gnuplot = "gnuplot";
};

struct ReportResult {
  std::vector<std::string> figures;  // stems under RUN/figures/
  std::vector<std::string> notes;    // omitted sections and why
  std::filesystem::path markdown, html;
};

ReportResult write_report(const ReportOptions& options);

}  // namespace infobound::report
