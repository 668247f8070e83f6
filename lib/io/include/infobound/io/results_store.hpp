#pragma once
// RUN/results.h5: the merged metrics of a study, with the metadata of its unit files.
//   /                    attrs schema_version, study, config_hash, infobound_version, config
//   /metrics/columns     string [C]   column names, in metrics.csv order
//   /metrics/<column>    float64 [R] (NaN = empty cell) or string [R]
//   /units/ids, /units/checksums   string [U]: the unit files merged, in plan order
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace infobound::io {

inline constexpr int64_t kResultsSchemaVersion = 1;

struct ResultsColumn {
  std::string name;
  bool is_text = false;
  std::vector<std::string> text;
  std::vector<double> numbers;
};

struct ResultsFile {
  std::string study;
  std::string config_hash;
  std::string infobound_version;
  std::string config_yaml;
  std::vector<ResultsColumn> columns;
  std::vector<std::string> unit_ids;
  std::vector<std::string> unit_checksums;
  // Units of the plan left out (reduce --allow-incomplete); empty for a complete run. Written as
  // the root attribute complete (1/0) and units/missing.
  std::vector<std::string> missing_units;
};

// temp file + fsync + rename.
void write_results_file(const std::filesystem::path& path, const ResultsFile& results);
// Refuses another schema version or (when given) another config hash, naming both.
ResultsFile read_results_file(const std::filesystem::path& path, const std::string& expected_config_hash);

}  // namespace infobound::io
