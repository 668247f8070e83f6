#include "infobound/io/metrics_table.hpp"

#include <algorithm>
#include <cmath>

#include "infobound/core/error.hpp"

namespace infobound::io {
namespace {

const std::vector<std::string> kIdentity{"model", "family",   "checkpoint", "step",   "tokens_seen", "params", "tokenizer_id",
                                         "layer", "n_layers", "n_tokens",   "n_bins", "eps",         "loss",   "H"};
const std::vector<std::string> kRequired{"model", "family", "checkpoint", "layer"};

int64_t largest_order(const CsvTable& table) {
  int64_t largest = 0;
  const std::string prefix = "complexity_";
  for (const auto& name : table.header()) {
    if (name.rfind(prefix, 0) != 0) continue;
    const std::string digits = name.substr(prefix.size());
    if (digits.empty() || digits.size() > 2 ||
        !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
      continue;
    largest = std::max<int64_t>(largest, std::stoll(digits));
  }
  return largest;
}

}  // namespace

const std::vector<std::string>& MetricsTable::order_prefixes() {
  static const std::vector<std::string> prefixes{"complexity_", "expressivity_", "regularity_input_", "regularity_output_",
                                                 "optimality_"};
  return prefixes;
}

std::vector<std::string> MetricsTable::columns(int64_t max_order) {
  std::vector<std::string> c = kIdentity;
  const int64_t last = std::max<int64_t>(4, max_order);
  for (const auto& prefix : order_prefixes())
    for (int64_t k = 1; k <= last; ++k) c.push_back(prefix + std::to_string(k));
  c.push_back("preference");
  c.push_back("regularity_preference");
  return c;
}

bool MetricsTable::is_text_column(const std::string& name) {
  return name == "model" || name == "family" || name == "checkpoint" || name == "tokenizer_id";
}

MetricsTable::MetricsTable(int64_t max_order, const std::vector<std::string>& extra) {
  std::vector<std::string> header = columns(max_order);
  header.insert(header.end(), extra.begin(), extra.end());
  table_ = CsvTable(std::move(header));
  max_order_ = largest_order(table_);
}

MetricsTable::MetricsTable(CsvTable table) : table_(std::move(table)), max_order_(largest_order(table_)) {}

MetricsTable MetricsTable::read(const std::filesystem::path& path) { return from(CsvTable::read(path)); }

MetricsTable MetricsTable::from(CsvTable table) {
  for (const auto& name : kRequired)
    if (!table.find_column(name))
      throw InputError(table.source() + ": no column '" + name +
                       "' (expected metrics.csv as `infobound reduce` writes it, docs/interfaces.md)");
  return MetricsTable(std::move(table));
}

void MetricsTable::write(const std::filesystem::path& path) const { table_.write(path); }

void MetricsTable::add_row(const std::map<std::string, std::string>& text, const std::map<std::string, double>& numbers) {
  std::vector<std::string> row;
  row.reserve(table_.header().size());
  for (const auto& name : table_.header()) {
    if (is_text_column(name)) {
      const auto it = text.find(name);
      row.push_back(it == text.end() ? std::string() : it->second);
    } else {
      const auto it = numbers.find(name);
      row.push_back(it == numbers.end() ? std::string() : format_number(it->second));
    }
  }
  table_.add_row(std::move(row));
}

}  // namespace infobound::io
