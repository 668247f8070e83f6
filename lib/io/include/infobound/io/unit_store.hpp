#pragma once
// Unit files (DESIGN.md section 5, docs/unit-files.md), schema 2: the exact sufficient statistics
// of one unit (a model checkpoint, or a group of its layers, over the whole corpus). Kilobytes,
// whatever the corpus. Self-describing for h5dump and h5py:
//   /                 attrs schema_version (2), unit_id, model, checkpoint, reference, tokenizer_id,
//                     layers (int64 array), config_hash, n_bins, seed, eps, calibration, window, d,
//                     fixed_point_bits, n_tokens, n_parameters, n_layers, n_sequences,
//                     loss_sum (float64, for reading), loss_sum_words (int64 [2], exact: 2^-64 fixed
//                     point, high then low word), loss_count, status, checksum, infobound_version,
//                     config (the study YAML)
//   /layers/<l>       attrs n_rows; dataset bins int64 [n_bins]: soft counts * 2^fixed_point_bits
//   /layers/<l>/label_sets/<name>
//                     attrs key_width, labelled_rows, distinct_keys, folded_rows,
//                     conditional (float64, for reading), conditional_words (int64 [2], exact:
//                     sum over keys of n_x H(Z|X=x)/ln n_bins in 2^-64 fixed point);
//                     dataset marginal int64 [n_bins]: soft counts of the labelled rows
// Written to a temporary file, fsynced and renamed, so a file under its final name is complete.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "infobound/core/error.hpp"
#include "infobound/core/layer_statistics.hpp"

namespace infobound::io {

inline constexpr int64_t kUnitSchemaVersion = 2;

struct UnitHeader {
  std::string unit_id;
  std::string model;
  std::string checkpoint;
  std::string reference;
  std::string tokenizer_id;
  std::vector<int64_t> layers;  // hidden-state indices of this unit's layer group
  std::string config_hash;
  int64_t n_bins = 0;
  int64_t seed = 0;
  double eps = 0;
  std::string calibration;
  std::string window;
  int64_t d = 0;
  int64_t fixed_point_bits = 0;
  int64_t n_parameters = 0;  // of the model, as models::ModelInfo counts them
  int64_t n_layers = 0;      // blocks L (hidden states 0..L)
  int64_t n_tokens = 0;      // tokens fed to the model (all positions)
  int64_t n_sequences = 0;
  ExactSum loss_sum;       // summed next-token cross-entropy (nats), exact
  int64_t loss_count = 0;  // predicted positions (0 when the loss was not computed)
  std::string infobound_version;
  std::string config_yaml;
  // Filled by the writer / checked by the reader:
  int64_t schema_version = kUnitSchemaVersion;
  std::string status;
  std::string checksum;
};

struct UnitData {
  UnitHeader header;
  std::vector<LayerStatistics> layers;
};

// A unit file that is missing, incomplete, corrupt, of another schema or from another config.
class UnitFileError : public InputError {
 public:
  using InputError::InputError;
};

// sha256 over every number of the unit in a fixed order (header numbers, then layers).
std::string unit_checksum(const UnitData& data);

// Writes status=complete and the checksum, via temp file + fsync + rename onto `path`.
void write_unit_file(const std::filesystem::path& path, UnitData data);

// Reads and verifies a unit file: schema version, config hash (when `expected_config_hash` is not
// empty), status and checksum. Throws UnitFileError naming the file and both values on a mismatch.
UnitData read_unit_file(const std::filesystem::path& path, const std::string& expected_config_hash);

// Only the root attributes (cheap); verifies schema version and config hash like read_unit_file.
UnitHeader read_unit_header(const std::filesystem::path& path, const std::string& expected_config_hash);

}  // namespace infobound::io
