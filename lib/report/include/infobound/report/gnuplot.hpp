#pragma once
// Figures through gnuplot (Debian gnuplot-nox): one script renders the same plot as PNG
// (pngcairo) and SVG, with the data inline as datablocks so the script alone reproduces it.
#include <filesystem>
#include <string>
#include <vector>

namespace infobound::report {

struct Figure {
  std::string name;                     // file stem in the figures directory
  std::vector<std::string> datablocks;  // "$name << EOD ... EOD" blocks
  std::string body;                     // gnuplot commands (set ..., plot ...), run once per format
  int width = 1280, height = 860;
};

// Writes <dir>/<name>.gp and renders <name>.png and <name>.svg. Throws InputError with
// gnuplot's message when it is missing or fails.
void render_figure(const std::filesystem::path& figures_dir, const Figure& figure, const std::string& gnuplot = "gnuplot");

// A datablock from columns of numbers (NaN -> a blank line, which breaks a line plot there).
std::string datablock(const std::string& name, const std::vector<std::vector<double>>& rows);
// Quotes text for a gnuplot string literal (double quotes, noenhanced terminal).
std::string gnuplot_string(const std::string& text);
// A colour for series i (cycled through a palette that stays readable on white).
std::string series_colour(std::size_t i);

}  // namespace infobound::report
