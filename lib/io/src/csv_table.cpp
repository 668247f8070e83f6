#include "infobound/io/csv_table.hpp"

#include <charconv>
#include <cmath>
#include <fstream>
#include <set>
#include <system_error>

#include "infobound/core/atomic_file.hpp"
#include "infobound/core/error.hpp"
#include "infobound/io/json_file.hpp"

namespace infobound::io {

CsvTable::CsvTable(std::vector<std::string> header) : header_(std::move(header)) {}

CsvTable CsvTable::read(const std::filesystem::path& path) { return parse(read_file_bytes(path), path.string()); }

CsvTable CsvTable::parse(std::string_view text, const std::string& source_name) {
  CsvTable table;
  table.source_ = source_name;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // UTF-8 byte order mark
  std::vector<std::string> record;
  std::string field;
  std::size_t line = 1, record_line = 1;
  bool in_quotes = false, field_started = false, header_done = false;

  auto finish_record = [&]() {
    record.push_back(std::move(field));
    field.clear();
    field_started = false;
    const bool blank = record.size() == 1 && record[0].empty();
    if (!blank) {
      if (!header_done) {
        std::set<std::string> seen;
        for (const auto& name : record)
          if (!seen.insert(name).second) throw InputError(source_name + ": column '" + name + "' appears twice in the header");
        table.header_ = std::move(record);
        header_done = true;
      } else {
        if (record.size() != table.header_.size())
          throw InputError(source_name + ":" + std::to_string(record_line) + ": " + std::to_string(record.size()) +
                           " fields, the header has " + std::to_string(table.header_.size()));
        table.rows_.push_back(std::move(record));
        table.row_lines_.push_back(record_line);
      }
    }
    record.clear();
  };

  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_quotes) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field.push_back('"');
          ++i;
        } else {
          in_quotes = false;
        }
      } else {
        if (c == '\n') ++line;
        field.push_back(c);
      }
      continue;
    }
    if (c == '"' && !field_started) {
      in_quotes = true;
      field_started = true;
    } else if (c == ',') {
      record.push_back(std::move(field));
      field.clear();
      field_started = false;
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      // CRLF: the '\n' ends the record.
    } else if (c == '\n') {
      finish_record();
      ++line;
      record_line = line;
    } else {
      field.push_back(c);
      field_started = true;
    }
  }
  if (in_quotes) throw InputError(source_name + ":" + std::to_string(record_line) + ": quoted field is not closed");
  if (field_started || !field.empty() || !record.empty()) finish_record();
  if (!header_done) throw InputError(source_name + ": empty CSV file (no header)");
  return table;
}

std::string csv_field(std::string_view value) {
  if (value.find_first_of(",\"\n\r") == std::string_view::npos) return std::string(value);
  std::string quoted = "\"";
  for (const char c : value) {
    if (c == '"') quoted.push_back('"');
    quoted.push_back(c);
  }
  quoted.push_back('"');
  return quoted;
}

std::string CsvTable::to_string() const {
  std::string out;
  auto append_row = [&](const std::vector<std::string>& row) {
    for (std::size_t i = 0; i < row.size(); ++i) {
      if (i) out.push_back(',');
      out += csv_field(row[i]);
    }
    out.push_back('\n');
  };
  append_row(header_);
  for (const auto& row : rows_) append_row(row);
  return out;
}

void CsvTable::write(const std::filesystem::path& path) const { write_file_atomically(path, to_string()); }

std::optional<std::size_t> CsvTable::find_column(std::string_view name) const {
  for (std::size_t i = 0; i < header_.size(); ++i)
    if (header_[i] == name) return i;
  return std::nullopt;
}

std::size_t CsvTable::column(std::string_view name) const {
  if (const auto index = find_column(name)) return *index;
  throw InputError(source_ + ": no column '" + std::string(name) + "'");
}

std::size_t CsvTable::ensure_column(const std::string& name) {
  if (const auto index = find_column(name)) return *index;
  header_.push_back(name);
  for (auto& row : rows_) row.emplace_back();
  return header_.size() - 1;
}

const std::string& CsvTable::cell(std::size_t row, std::size_t column) const { return rows_.at(row).at(column); }

void CsvTable::set(std::size_t row, std::size_t column, std::string value) { rows_.at(row).at(column) = std::move(value); }

std::optional<double> CsvTable::number(std::size_t row, std::size_t column) const {
  const std::string& text = cell(row, column);
  std::size_t begin = text.find_first_not_of(" \t");
  if (begin == std::string::npos) return std::nullopt;
  std::size_t end = text.find_last_not_of(" \t") + 1;
  double value = 0;
  const char* first = text.data() + begin;
  if (*first == '+') ++first;
  const auto [ptr, ec] = std::from_chars(first, text.data() + end, value);
  if (ec != std::errc() || ptr != text.data() + end || !std::isfinite(value))
    throw InputError(source_ + ":" + std::to_string(line_of(row)) + ": column '" + header_.at(column) + "' holds '" + text +
                     "', expected a finite number or an empty cell");
  return value;
}

std::size_t CsvTable::line_of(std::size_t row) const { return row < row_lines_.size() ? row_lines_[row] : 0; }

void CsvTable::add_row(std::vector<std::string> row) {
  if (row.size() != header_.size())
    throw std::logic_error("CsvTable::add_row: " + std::to_string(row.size()) + " fields for " + std::to_string(header_.size()) +
                           " columns");
  rows_.push_back(std::move(row));
  row_lines_.push_back(0);
}

std::string format_number(double value) {
  if (std::isnan(value)) return "";
  char buffer[64];
  const auto [ptr, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, ptr);
}

}  // namespace infobound::io
