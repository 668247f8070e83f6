#include "infobound/io/unit_store.hpp"

#include <algorithm>
#include <cstring>

#include "infobound/core/atomic_file.hpp"
#include "infobound/core/sha256.hpp"
#include "infobound/io/hdf5.hpp"

namespace infobound::io {
namespace fs = std::filesystem;
namespace {

template <typename T>
void hash_value(Sha256& hash, const T& value) {
  hash.update(&value, sizeof value);
}

template <typename T>
void hash_vector(Sha256& hash, const std::vector<T>& values) {
  hash_value(hash, static_cast<uint64_t>(values.size()));
  hash.update(values.data(), values.size() * sizeof(T));
}

void hash_string(Sha256& hash, const std::string& text) {
  hash_value(hash, static_cast<uint64_t>(text.size()));
  hash.update(text);
}

void write_header(h5::Group& root, const UnitHeader& h) {
  root.set_attribute("schema_version", h.schema_version);
  root.set_attribute("unit_id", h.unit_id);
  root.set_attribute("model", h.model);
  root.set_attribute("checkpoint", h.checkpoint);
  root.set_attribute("reference", h.reference);
  root.set_attribute("tokenizer_id", h.tokenizer_id);
  root.set_attribute("shard", h.shard);
  root.set_attribute("n_shards", h.n_shards);
  root.set_attribute("config_hash", h.config_hash);
  root.set_attribute("n_bins", h.n_bins);
  root.set_attribute("seed", h.seed);
  root.set_attribute("eps", h.eps);
  root.set_attribute("calibration", h.calibration);
  root.set_attribute("window", h.window);
  root.set_attribute("d", h.d);
  root.set_attribute("n_parameters", h.n_parameters);
  root.set_attribute("n_layers", h.n_layers);
  root.set_attribute("n_tokens", h.n_tokens);
  root.set_attribute("n_sequences", h.n_sequences);
  root.set_attribute("loss_sum", h.loss_sum);
  root.set_attribute("loss_count", h.loss_count);
  root.set_attribute("infobound_version", h.infobound_version);
  root.set_attribute("config", h.config_yaml);
  root.set_attribute("status", h.status);
  root.set_attribute("checksum", h.checksum);
}

UnitHeader read_header(const h5::Group& root, const fs::path& path, const std::string& expected_config_hash) {
  UnitHeader h;
  if (!root.has_attribute("schema_version")) throw UnitFileError(path.string() + ": not an infobound unit file (no schema_version)");
  h.schema_version = root.int_attribute("schema_version");
  if (h.schema_version != kUnitSchemaVersion)
    throw UnitFileError(path.string() + ": unit file schema version " + std::to_string(h.schema_version) +
                        ", this infobound reads schema version " + std::to_string(kUnitSchemaVersion));
  h.config_hash = root.string_attribute("config_hash");
  if (!expected_config_hash.empty() && h.config_hash != expected_config_hash)
    throw UnitFileError(path.string() + ": unit file has config hash " + h.config_hash + " but the plan has " + expected_config_hash +
                        " (made from another config)");
  h.status = root.string_attribute("status");
  if (h.status != "complete") throw UnitFileError(path.string() + ": unit file status is '" + h.status + "', not complete");
  h.unit_id = root.string_attribute("unit_id");
  h.model = root.string_attribute("model");
  h.checkpoint = root.string_attribute("checkpoint");
  h.reference = root.string_attribute("reference");
  h.tokenizer_id = root.string_attribute("tokenizer_id");
  h.shard = root.int_attribute("shard");
  h.n_shards = root.int_attribute("n_shards");
  h.n_bins = root.int_attribute("n_bins");
  h.seed = root.int_attribute("seed");
  h.eps = root.double_attribute("eps");
  h.calibration = root.string_attribute("calibration");
  h.window = root.string_attribute("window");
  h.d = root.int_attribute("d");
  h.n_parameters = root.int_attribute("n_parameters");
  h.n_layers = root.int_attribute("n_layers");
  h.n_tokens = root.int_attribute("n_tokens");
  h.n_sequences = root.int_attribute("n_sequences");
  h.loss_sum = root.double_attribute("loss_sum");
  h.loss_count = root.int_attribute("loss_count");
  h.infobound_version = root.string_attribute("infobound_version");
  h.config_yaml = root.string_attribute("config");
  h.checksum = root.string_attribute("checksum");
  return h;
}

}  // namespace

std::string unit_checksum(const UnitData& data) {
  Sha256 hash;
  const UnitHeader& h = data.header;
  hash_string(hash, h.unit_id);
  hash_string(hash, h.config_hash);
  for (const int64_t v : {h.shard, h.n_shards, h.n_bins, h.seed, h.d, h.n_parameters, h.n_layers, h.n_tokens, h.n_sequences, h.loss_count}) hash_value(hash, v);
  hash_value(hash, h.eps);
  hash_value(hash, h.loss_sum);
  hash_value(hash, static_cast<uint64_t>(data.layers.size()));
  for (const auto& layer : data.layers) {
    hash_value(hash, layer.layer);
    hash_value(hash, layer.n_rows);
    hash_vector(hash, layer.bins);
    hash_value(hash, static_cast<uint64_t>(layer.label_sets.size()));
    for (const auto& table : layer.label_sets) {
      hash_string(hash, table.name);
      hash_value(hash, table.key_width);
      hash_vector(hash, table.keys);
      hash_vector(hash, table.counts);
      hash_vector(hash, table.bins);
      hash_value(hash, table.folded_rows);
      hash_value(hash, table.folded_entropy_sum);
      hash_vector(hash, table.folded_bins);
    }
  }
  return hash.hex_digest();
}

void write_unit_file(const fs::path& path, UnitData data) {
  const int64_t n_bins = data.header.n_bins;
  for (const auto& layer : data.layers) {
    if (static_cast<int64_t>(layer.bins.size()) != n_bins) throw std::logic_error("unit " + data.header.unit_id + ": layer bins size != n_bins");
    for (const auto& t : layer.label_sets)
      if (t.keys.size() != t.counts.size() * static_cast<std::size_t>(t.key_width) || t.bins.size() != t.counts.size() * static_cast<std::size_t>(n_bins))
        throw std::logic_error("unit " + data.header.unit_id + ": label table " + t.name + " has inconsistent sizes");
  }
  for (auto& layer : data.layers)
    for (auto& t : layer.label_sets)
      if (t.folded_bins.empty()) t.folded_bins.assign(static_cast<std::size_t>(n_bins), 0.0);
  // Canonical order, the one the reader sees (HDF5 lists links by name).
  std::sort(data.layers.begin(), data.layers.end(), [](const auto& a, const auto& b) { return a.layer < b.layer; });
  for (auto& layer : data.layers)
    std::sort(layer.label_sets.begin(), layer.label_sets.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  data.header.schema_version = kUnitSchemaVersion;
  data.header.status = "complete";
  data.header.checksum = unit_checksum(data);
  const fs::path temporary = temporary_path_for(path);
  {
    h5::File file = h5::File::create(temporary);
    h5::Group& root = file.root();
    write_header(root, data.header);
    h5::Group layers = root.create_group("layers");
    std::vector<int64_t> layer_indices;
    const LayerCounts* first = nullptr;
    for (const auto& layer : data.layers) {
      layer_indices.push_back(layer.layer);
      h5::Group g = layers.create_group(std::to_string(layer.layer));
      g.write("bins", std::span<const double>(layer.bins), {n_bins});
      const int64_t n = layer.n_rows;
      g.write("n", std::span<const int64_t>(&n, 1), {});
      h5::Group labels = g.create_group("labels");
      for (std::size_t i = 0; i < layer.label_sets.size(); ++i) {
        const LabelTable& t = layer.label_sets[i];
        h5::Group s = labels.create_group(t.name);
        const auto k = static_cast<int64_t>(t.counts.size());
        const LabelTable* shared = first && i < first->label_sets.size() ? &first->label_sets[i] : nullptr;
        if (shared && shared->name == t.name && shared->keys == t.keys && shared->counts == t.counts) {
          const std::string target = "/layers/" + std::to_string(first->layer) + "/labels/" + t.name + "/";
          s.link(target + "keys", "keys");
          s.link(target + "counts", "counts");
        } else {
          s.write("keys", std::span<const int64_t>(t.keys), {k, t.key_width});
          s.write("counts", std::span<const int64_t>(t.counts), {k});
        }
        s.write("bins", std::span<const double>(t.bins), {k, n_bins});
        s.write("folded_bins", std::span<const double>(t.folded_bins), {n_bins});
        s.set_attribute("key_width", t.key_width);
        s.set_attribute("folded_rows", t.folded_rows);
        s.set_attribute("folded_entropy_sum", t.folded_entropy_sum);
      }
      if (!first) first = &layer;
    }
    root.set_attribute("layers", std::span<const int64_t>(layer_indices));
    file.close();
  }
  commit_file(temporary, path);
}

UnitHeader read_unit_header(const fs::path& path, const std::string& expected_config_hash) {
  try {
    const h5::File file = h5::File::open_read_only(path);
    return read_header(file.root(), path, expected_config_hash);
  } catch (const UnitFileError&) {
    throw;
  } catch (const h5::Hdf5Error& e) {
    throw UnitFileError(std::string("unreadable unit file: ") + e.what());
  }
}

UnitData read_unit_file(const fs::path& path, const std::string& expected_config_hash) {
  UnitData data;
  try {
    const h5::File file = h5::File::open_read_only(path);
    const h5::Group& root = file.root();
    data.header = read_header(root, path, expected_config_hash);
    const h5::Group layers = root.open_group("layers");
    for (const int64_t l : root.int_array_attribute("layers")) {
      const h5::Group g = layers.open_group(std::to_string(l));
      LayerCounts layer;
      layer.layer = l;
      layer.n_bins = data.header.n_bins;
      layer.bins = g.read_double("bins");
      const auto n = g.read_int64("n");
      if (n.size() != 1) throw UnitFileError(path.string() + ": layers/" + std::to_string(l) + "/n is not a scalar");
      layer.n_rows = n[0];
      const h5::Group labels = g.open_group("labels");
      for (const auto& name : labels.children()) {
        const h5::Group s = labels.open_group(name);
        LabelTable t;
        t.name = name;
        t.key_width = s.int_attribute("key_width");
        t.keys = s.read_int64("keys");
        t.counts = s.read_int64("counts");
        t.bins = s.read_double("bins");
        t.folded_rows = s.int_attribute("folded_rows");
        t.folded_entropy_sum = s.double_attribute("folded_entropy_sum");
        t.folded_bins = s.read_double("folded_bins");
        layer.label_sets.push_back(std::move(t));
      }
      data.layers.push_back(std::move(layer));
    }
  } catch (const UnitFileError&) {
    throw;
  } catch (const h5::Hdf5Error& e) {
    throw UnitFileError(std::string("unreadable unit file: ") + e.what());
  }
  const std::string checksum = unit_checksum(data);
  if (checksum != data.header.checksum)
    throw UnitFileError(path.string() + ": checksum mismatch (file says " + data.header.checksum + ", content gives " + checksum +
                        "): the file is corrupt");
  return data;
}

}  // namespace infobound::io
