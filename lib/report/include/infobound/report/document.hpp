#pragma once
// A small document model rendered both as Markdown and as self-contained HTML, so the two
// reports never drift apart.
#include <string>
#include <vector>

namespace infobound::report {

struct Table {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::vector<bool> numeric;  // right-aligned columns (optional, per column)
};

struct Block {
  enum class Kind { heading, paragraph, figure, table, note };
  Kind kind;
  int level = 2;      // heading
  std::string text;   // heading/paragraph/note text, figure caption
  std::string image;  // figure: path relative to the report without extension (".png"/".svg" added)
  Table table;
};

class Document {
 public:
  void heading(std::string text, int level = 2);
  void paragraph(std::string text);
  void note(std::string text);  // a missing input or omitted section
  void figure(std::string image_stem, std::string caption);
  void table(Table table);
  std::string markdown() const;
  std::string html(const std::string& title) const;

 private:
  std::vector<Block> blocks_;
};

std::string html_escape(const std::string& text);

}  // namespace infobound::report
