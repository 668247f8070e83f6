#include "infobound/report/gnuplot.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "infobound/core/error.hpp"
#include "infobound/io/json_file.hpp"

namespace infobound::report {
namespace {
std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (const char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}
}  // namespace

std::string gnuplot_string(const std::string& text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "\"";
}

std::string series_colour(std::size_t i) {
  static const char* palette[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b",
                                  "#e377c2", "#17becf", "#7f7f7f", "#bcbd22", "#393b79", "#637939"};
  return palette[i % (sizeof palette / sizeof *palette)];
}

std::string datablock(const std::string& name, const std::vector<std::vector<double>>& rows) {
  std::ostringstream out;
  out.precision(10);
  out << "$" << name << " << EOD\n";
  for (const auto& row : rows) {
    bool missing = false;
    for (const double v : row) missing = missing || !std::isfinite(v);
    if (missing) {
      out << "\n";
      continue;
    }
    for (std::size_t c = 0; c < row.size(); ++c) out << (c ? " " : "") << row[c];
    out << "\n";
  }
  out << "EOD\n";
  return out.str();
}

void render_figure(const std::filesystem::path& figures_dir, const Figure& figure, const std::string& gnuplot) {
  std::filesystem::create_directories(figures_dir);
  const auto script = figures_dir / (figure.name + ".gp");
  {
    std::ofstream out(script);
    out << "# " << figure.name << ": written by infobound report; `gnuplot " << figure.name << ".gp` re-renders it\n";
    for (const auto& block : figure.datablocks) out << block;
    const std::string size = std::to_string(figure.width) + "," + std::to_string(figure.height);
    out << "set terminal pngcairo size " << size << " noenhanced font \"DejaVu Sans,14\" background rgb \"white\"\n"
        << "set output " << gnuplot_string(figure.name + ".png") << "\n"
        << figure.body << "\nunset output\nreset\n"
        << "set terminal svg size " << size << " dynamic noenhanced font \"DejaVu Sans,14\" background rgb \"white\"\n"
        << "set output " << gnuplot_string(figure.name + ".svg") << "\n"
        << figure.body << "\nunset output\n";
    if (!out) throw InputError(script.string() + ": write failed");
  }
  // The command changes directory first, so the log path must not be relative.
  const auto errors = std::filesystem::absolute(figures_dir / (figure.name + ".gnuplot.log"));
  const std::string command = "cd " + shell_quote(figures_dir.string()) + " && " + shell_quote(gnuplot) + " " +
                              shell_quote(figure.name + ".gp") + " > " + shell_quote(errors.string()) + " 2>&1";
  const int status = std::system(command.c_str());
  std::string log;
  try {
    log = io::read_file_bytes(errors);
  } catch (const InputError&) {
  }
  if (status != 0) {
    if (log.find("not found") != std::string::npos && log.find(".gp") == std::string::npos)
      throw InputError("gnuplot ('" + gnuplot + "') not found: install gnuplot-nox (scripts/install-deps.sh)");
    throw InputError(script.string() + ": gnuplot failed: " + log.substr(0, 2000));
  }
  std::filesystem::remove(errors);
}

}  // namespace infobound::report
