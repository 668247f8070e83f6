#include "infobound/report/document.hpp"

namespace infobound::report {
namespace {
std::string md_cell(const std::string& s) {
  std::string out;
  for (const char c : s) out += c == '|' ? std::string("\\|") : std::string(1, c);
  return out;
}
}  // namespace

std::string html_escape(const std::string& text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

void Document::heading(std::string text, int level) { blocks_.push_back({Block::Kind::heading, level, std::move(text), "", {}}); }
void Document::paragraph(std::string text) { blocks_.push_back({Block::Kind::paragraph, 0, std::move(text), "", {}}); }
void Document::note(std::string text) { blocks_.push_back({Block::Kind::note, 0, std::move(text), "", {}}); }
void Document::figure(std::string image_stem, std::string caption) {
  blocks_.push_back({Block::Kind::figure, 0, std::move(caption), std::move(image_stem), {}});
}
void Document::table(Table table) { blocks_.push_back({Block::Kind::table, 0, "", "", std::move(table)}); }

std::string Document::markdown() const {
  std::string md;
  for (const auto& b : blocks_) {
    switch (b.kind) {
      case Block::Kind::heading: md += std::string(b.level, '#') + " " + b.text + "\n\n"; break;
      case Block::Kind::paragraph: md += b.text + "\n\n"; break;
      case Block::Kind::note: md += "> **Note.** " + b.text + "\n\n"; break;
      case Block::Kind::figure:
        md += "![" + b.text + "](" + b.image + ".png)\n\n*" + b.text + "* ([SVG](" + b.image + ".svg))\n\n";
        break;
      case Block::Kind::table: {
        const auto& t = b.table;
        md += "|";
        for (const auto& h : t.header) md.append(" ").append(md_cell(h)).append(" |");
        md += "\n|";
        for (std::size_t c = 0; c < t.header.size(); ++c) md += c < t.numeric.size() && t.numeric[c] ? "---:|" : "---|";
        md += "\n";
        for (const auto& row : t.rows) {
          md += "|";
          for (const auto& cell : row) md.append(" ").append(md_cell(cell)).append(" |");
          md += "\n";
        }
        md += "\n";
        break;
      }
    }
  }
  return md;
}

std::string Document::html(const std::string& title) const {
  std::string h =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" + html_escape(title) +
      "</title>\n<style>\nbody{font-family:'DejaVu Sans',Helvetica,Arial,sans-serif;max-width:1100px;margin:2em auto;"
      "padding:0 1em;line-height:1.5;color:#222}\nimg{max-width:100%;height:auto;border:1px solid #ddd}\n"
      "figure{margin:1.5em 0}figcaption{font-style:italic;color:#555}\ntable{border-collapse:collapse;margin:1em 0;"
      "font-size:0.9em}\nth,td{border:1px solid #ccc;padding:0.25em 0.6em}th{background:#f3f3f3}td.num{text-align:right;"
      "font-variant-numeric:tabular-nums}\n.note{background:#fff8e1;border-left:4px solid #f0b400;padding:0.5em 1em}\n"
      "</style>\n</head>\n<body>\n";
  for (const auto& b : blocks_) {
    switch (b.kind) {
      case Block::Kind::heading: {
        const std::string tag = std::string("h").append(std::to_string(b.level));
        h += "<" + tag + ">" + html_escape(b.text) + "</" + tag + ">\n";
        break;
      }
      case Block::Kind::paragraph: h += "<p>" + html_escape(b.text) + "</p>\n"; break;
      case Block::Kind::note: h += "<p class=\"note\"><strong>Note.</strong> " + html_escape(b.text) + "</p>\n"; break;
      case Block::Kind::figure:
        h += "<figure><a href=\"" + html_escape(b.image) + ".svg\"><img src=\"" + html_escape(b.image) + ".svg\" alt=\"" +
             html_escape(b.text) + "\"></a><figcaption>" + html_escape(b.text) + "</figcaption></figure>\n";
        break;
      case Block::Kind::table: {
        const auto& t = b.table;
        h += "<table>\n<tr>";
        for (const auto& c : t.header) h += "<th>" + html_escape(c) + "</th>";
        h += "</tr>\n";
        for (const auto& row : t.rows) {
          h += "<tr>";
          for (std::size_t c = 0; c < row.size(); ++c)
            h +=
                std::string(c < t.numeric.size() && t.numeric[c] ? "<td class=\"num\">" : "<td>") + html_escape(row[c]) + "</td>";
          h += "</tr>\n";
        }
        h += "</table>\n";
        break;
      }
    }
  }
  return h + "</body>\n</html>\n";
}

}  // namespace infobound::report
