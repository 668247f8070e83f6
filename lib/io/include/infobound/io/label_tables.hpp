#pragma once
// Full label tables of a unit, written only when the study sets estimator.keep_tables (for
// debugging or later merging): exact integers, compressed. One file per member of the unit's team
// (each member holds the keys it owns). Layout, self-describing for h5dump and h5py:
//   /                    attrs unit_id, n_bins, fixed_point_bits
//   /layers/<l>/<set>/   keys int64 [K, key_width], counts int64 [K],
//                        bins int64 [K, n_bins] (soft counts * 2^fixed_point_bits); attr folded_rows
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace infobound::io {

struct LabelTableRecord {
  int64_t layer = 0;
  std::string name;
  int64_t key_width = 1;
  std::vector<int64_t> keys;
  std::vector<int64_t> counts;
  std::vector<int64_t> bins;
  int64_t folded_rows = 0;
};

void write_label_tables(const std::filesystem::path& path, const std::string& unit_id, int64_t n_bins, int64_t fixed_point_bits,
                        const std::vector<LabelTableRecord>& tables);
std::vector<LabelTableRecord> read_label_tables(const std::filesystem::path& path);

}  // namespace infobound::io
