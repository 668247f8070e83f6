#pragma once
// RUN/metrics.csv (docs/interfaces.md): one row per model, checkpoint and layer. The one type that
// names its columns, writes it (reduce) and reads it (bound, report, regress), so the largest
// n-gram order is derived from the run rather than assumed.
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "infobound/io/csv_table.hpp"

namespace infobound::io {

class MetricsTable {
 public:
  // Per-order columns are <prefix><k>, k = 1..max_order.
  static const std::vector<std::string>& order_prefixes();
  // The columns of a run whose largest order is max_order: identity and per-layer columns, the
  // per-order ones for 1..max(4, max_order) (1..4 always, empty when not configured, so tables of
  // runs compare), then the preference columns.
  static std::vector<std::string> columns(int64_t max_order);
  static bool is_text_column(const std::string& name);

  // An empty table with columns(max_order) followed by `extra` columns.
  explicit MetricsTable(int64_t max_order, const std::vector<std::string>& extra = {});

  // Throws InputError naming the file for a missing identity column or a malformed table.
  static MetricsTable read(const std::filesystem::path& path);
  // A table already in memory (tests, tools), with the same check.
  static MetricsTable from(CsvTable table);
  // Crash-safe (temporary file + rename).
  void write(const std::filesystem::path& path) const;

  // Text columns from `text`, numbers from `numbers` (NaN or absent = empty cell), every other
  // column empty. Numbers are written as the shortest text that reads back to the same double.
  void add_row(const std::map<std::string, std::string>& text, const std::map<std::string, double>& numbers);

  // The largest k with a complexity_k column.
  int64_t max_order() const { return max_order_; }
  const CsvTable& table() const { return table_; }
  CsvTable& table() { return table_; }

 private:
  explicit MetricsTable(CsvTable table);
  CsvTable table_;
  int64_t max_order_ = 0;
};

}  // namespace infobound::io
