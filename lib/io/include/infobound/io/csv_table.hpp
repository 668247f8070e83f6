#pragma once
// CSV tables (RFC 4180: quoted fields, doubled quotes, embedded newlines) read whole into memory,
// with errors that name the file, the line and the column. Used for metrics.csv, bound.csv,
// benchmark tables and the regression outputs.
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace infobound::io {

class CsvTable {
 public:
  CsvTable() = default;
  explicit CsvTable(std::vector<std::string> header);

  // Throws InputError naming the file when it cannot be read, a row has a different number of
  // fields than the header, a quote is not closed, or two columns share a name.
  static CsvTable read(const std::filesystem::path& path);
  static CsvTable parse(std::string_view text, const std::string& source_name);

  // Writes through a temporary file and a rename, so a reader never sees half a table.
  void write(const std::filesystem::path& path) const;
  std::string to_string() const;

  const std::vector<std::string>& header() const { return header_; }
  std::size_t num_rows() const { return rows_.size(); }
  const std::string& source() const { return source_; }

  std::optional<std::size_t> find_column(std::string_view name) const;
  // Throws InputError "<file>: no column '<name>'" when absent.
  std::size_t column(std::string_view name) const;
  // Appends the column (empty cells) unless it exists; returns its index.
  std::size_t ensure_column(const std::string& name);

  const std::string& cell(std::size_t row, std::size_t column) const;
  void set(std::size_t row, std::size_t column, std::string value);
  // Empty cell -> nullopt; anything not a finite number -> InputError naming file, line, column.
  std::optional<double> number(std::size_t row, std::size_t column) const;
  // 1-based line in the source file where the row starts (for messages).
  std::size_t line_of(std::size_t row) const;
  void add_row(std::vector<std::string> row);

 private:
  std::string source_;
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
  std::vector<std::size_t> row_lines_;
};

// Shortest text that reads back to the same double ("" for NaN: an empty cell means "no value").
std::string format_number(double value);
// Quotes a field when it holds a comma, a quote or a line break.
std::string csv_field(std::string_view value);

}  // namespace infobound::io
