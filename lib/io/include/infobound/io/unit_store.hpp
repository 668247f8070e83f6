#pragma once
// Unit files (DESIGN.md section 5): the float64 counts of one unit (model x checkpoint x corpus
// shard), self-describing for h5dump and h5py:
//   /                 attrs schema_version, unit_id, model, checkpoint, reference, tokenizer_id, shard,
//                     n_shards, config_hash, n_bins, seed, eps, calibration, window, d, n_tokens,
//                     n_parameters, n_layers, n_sequences, loss_sum, loss_count, layers, status, checksum,
//                     infobound_version, config (the study YAML)
//   /layers/<l>/bins  float64 [n_bins]   sum of soft assignments p
//   /layers/<l>/n     int64 scalar        rows (token positions) accumulated
//   /layers/<l>/labels/<set>/keys   int64 [K, key_width]  label tuples, first-seen order
//   /layers/<l>/labels/<set>/counts int64 [K]
//   /layers/<l>/labels/<set>/bins   float64 [K, n_bins]
//   /layers/<l>/labels/<set>/folded_bins float64 [n_bins]  sum of p over rows whose label occurs
//                     once in the whole corpus; attrs key_width, folded_rows, folded_entropy_sum
// keys and counts are the same in every layer: later layers hold HDF5 hard links to the first
// layer's datasets (h5py and h5dump see ordinary datasets).
// Written to a temporary file, fsynced and renamed, so a file under its final name is complete.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "infobound/core/error.hpp"
#include "infobound/estimate/accumulator.hpp"

namespace infobound::io {

inline constexpr int64_t kUnitSchemaVersion = 1;

// The estimator's own serialisable state, so a unit is written and merged without conversion.
using LabelTable = estimate::LabelTableState;

struct LayerCounts : estimate::LayerState {
  int64_t layer = 0;  // hidden-state index (0 = embeddings)
};

struct UnitHeader {
  std::string unit_id;
  std::string model;
  std::string checkpoint;
  std::string reference;
  std::string tokenizer_id;
  int64_t shard = 0;
  int64_t n_shards = 1;
  std::string config_hash;
  int64_t n_bins = 0;
  int64_t seed = 0;
  double eps = 0;
  std::string calibration;
  std::string window;
  int64_t d = 0;
  int64_t n_parameters = 0;  // of the model, as models::ModelInfo counts them
  int64_t n_layers = 0;      // blocks L (hidden states 0..L)
  int64_t n_tokens = 0;     // tokens fed to the model (all positions)
  int64_t n_sequences = 0;
  double loss_sum = 0;      // summed next-token cross-entropy (nats), float64 in position order
  int64_t loss_count = 0;   // predicted positions (0 when the loss was not computed)
  std::string infobound_version;
  std::string config_yaml;
  // Filled by the writer / checked by the reader:
  int64_t schema_version = kUnitSchemaVersion;
  std::string status;
  std::string checksum;
};

struct UnitData {
  UnitHeader header;
  std::vector<LayerCounts> layers;
};

// A unit file that is missing, incomplete, corrupt or from another config.
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
