#include "infobound/io/label_tables.hpp"

#include <map>

#include "infobound/core/atomic_file.hpp"
#include "infobound/io/hdf5.hpp"

namespace infobound::io {
namespace fs = std::filesystem;

void write_label_tables(const fs::path& path, const std::string& unit_id, int64_t n_bins, int64_t fixed_point_bits,
                        const std::vector<LabelTableRecord>& tables) {
  const fs::path temporary = temporary_path_for(path);
  {
    h5::File file = h5::File::create(temporary);
    h5::Group& root = file.root();
    root.set_attribute("unit_id", unit_id);
    root.set_attribute("n_bins", n_bins);
    root.set_attribute("fixed_point_bits", fixed_point_bits);
    h5::Group layers = root.create_group("layers");
    std::map<int64_t, h5::Group> groups;
    for (const auto& t : tables) {
      auto it = groups.find(t.layer);
      if (it == groups.end()) it = groups.emplace(t.layer, layers.create_group(std::to_string(t.layer))).first;
      h5::Group set = it->second.create_group(t.name);
      const auto k = static_cast<int64_t>(t.counts.size());
      set.write("keys", std::span<const int64_t>(t.keys), {k, t.key_width});
      set.write("counts", std::span<const int64_t>(t.counts), {k});
      set.write("bins", std::span<const int64_t>(t.bins), {k, n_bins});
      set.set_attribute("folded_rows", t.folded_rows);
    }
    file.close();
  }
  commit_file(temporary, path);
}

std::vector<LabelTableRecord> read_label_tables(const fs::path& path) {
  const h5::File file = h5::File::open_read_only(path);
  std::vector<LabelTableRecord> out;
  const h5::Group layers = file.root().open_group("layers");
  for (const auto& layer : layers.children()) {
    const h5::Group g = layers.open_group(layer);
    for (const auto& name : g.children()) {
      const h5::Group set = g.open_group(name);
      LabelTableRecord t;
      t.layer = std::stoll(layer);
      t.name = name;
      std::vector<int64_t> shape;
      t.keys = set.read_int64("keys", &shape);
      t.key_width = shape.size() == 2 ? shape[1] : 1;
      t.counts = set.read_int64("counts");
      t.bins = set.read_int64("bins");
      t.folded_rows = set.int_attribute("folded_rows");
      out.push_back(std::move(t));
    }
  }
  return out;
}

}  // namespace infobound::io
