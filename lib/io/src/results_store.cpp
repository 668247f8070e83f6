#include "infobound/io/results_store.hpp"

#include "infobound/core/atomic_file.hpp"
#include "infobound/core/error.hpp"
#include "infobound/io/hdf5.hpp"

namespace infobound::io {
namespace fs = std::filesystem;

void write_results_file(const fs::path& path, const ResultsFile& results) {
  const fs::path temporary = temporary_path_for(path);
  {
    h5::File file = h5::File::create(temporary);
    h5::Group& root = file.root();
    root.set_attribute("schema_version", kResultsSchemaVersion);
    root.set_attribute("study", results.study);
    root.set_attribute("config_hash", results.config_hash);
    root.set_attribute("infobound_version", results.infobound_version);
    root.set_attribute("config", results.config_yaml);
    root.set_attribute("complete", static_cast<int64_t>(results.missing_units.empty() ? 1 : 0));
    h5::Group metrics = root.create_group("metrics");
    std::vector<std::string> names;
    for (const auto& c : results.columns) {
      names.push_back(c.name);
      if (c.is_text) metrics.write_strings(c.name, c.text);
      else metrics.write(c.name, std::span<const double>(c.numbers), {static_cast<int64_t>(c.numbers.size())});
    }
    metrics.write_strings("columns", names);
    h5::Group units = root.create_group("units");
    units.write_strings("ids", results.unit_ids);
    units.write_strings("checksums", results.unit_checksums);
    if (!results.missing_units.empty()) units.write_strings("missing", results.missing_units);
    file.close();
  }
  commit_file(temporary, path);
}

ResultsFile read_results_file(const fs::path& path, const std::string& expected_config_hash) {
  const h5::File file = h5::File::open_read_only(path);
  const h5::Group& root = file.root();
  ResultsFile results;
  const int64_t version = root.int_attribute("schema_version");
  if (version != kResultsSchemaVersion)
    throw InputError(path.string() + ": results schema version " + std::to_string(version) + ", this infobound reads version " +
                     std::to_string(kResultsSchemaVersion));
  results.config_hash = root.string_attribute("config_hash");
  if (!expected_config_hash.empty() && results.config_hash != expected_config_hash)
    throw InputError(path.string() + ": results have config hash " + results.config_hash + " but the plan has " +
                     expected_config_hash);
  results.study = root.string_attribute("study");
  results.infobound_version = root.string_attribute("infobound_version");
  results.config_yaml = root.string_attribute("config");
  const h5::Group metrics = root.open_group("metrics");
  for (const auto& name : metrics.read_strings("columns")) {
    ResultsColumn c;
    c.name = name;
    std::vector<int64_t> shape;
    // A string column fails to read as float64; try the cheap numeric read first.
    try {
      c.numbers = metrics.read_double(name, &shape);
    } catch (const h5::Hdf5Error&) {
      c.is_text = true;
      c.text = metrics.read_strings(name);
    }
    results.columns.push_back(std::move(c));
  }
  const h5::Group units = root.open_group("units");
  results.unit_ids = units.read_strings("ids");
  results.unit_checksums = units.read_strings("checksums");
  if (units.has("missing")) results.missing_units = units.read_strings("missing");
  return results;
}

}  // namespace infobound::io
