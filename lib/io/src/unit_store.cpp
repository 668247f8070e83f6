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

void set_words(h5::Group& group, const std::string& name, const ExactSum& sum) {
  const int64_t words[2] = {sum.high_word(), sum.low_word()};
  group.set_attribute(name + "_words", std::span<const int64_t>(words, 2));
  group.set_attribute(name, sum.value());
}

ExactSum get_words(const h5::Group& group, const std::string& name, const fs::path& path) {
  const std::vector<int64_t> words = group.int_array_attribute(name + "_words");
  if (words.size() != 2)
    throw UnitFileError(path.string() + ": " + group.path() + " attribute " + name + "_words must hold 2 words");
  return ExactSum::from_words(words[0], words[1]);
}

void write_header(h5::Group& root, const UnitHeader& h) {
  root.set_attribute("schema_version", h.schema_version);
  root.set_attribute("unit_id", h.unit_id);
  root.set_attribute("model", h.model);
  root.set_attribute("checkpoint", h.checkpoint);
  root.set_attribute("reference", h.reference);
  root.set_attribute("tokenizer_id", h.tokenizer_id);
  root.set_attribute("layers", std::span<const int64_t>(h.layers));
  root.set_attribute("config_hash", h.config_hash);
  root.set_attribute("n_bins", h.n_bins);
  root.set_attribute("seed", h.seed);
  root.set_attribute("eps", h.eps);
  root.set_attribute("calibration", h.calibration);
  root.set_attribute("window", h.window);
  root.set_attribute("d", h.d);
  root.set_attribute("fixed_point_bits", h.fixed_point_bits);
  root.set_attribute("n_parameters", h.n_parameters);
  root.set_attribute("n_layers", h.n_layers);
  root.set_attribute("n_tokens", h.n_tokens);
  root.set_attribute("n_sequences", h.n_sequences);
  set_words(root, "loss_sum", h.loss_sum);
  root.set_attribute("loss_count", h.loss_count);
  root.set_attribute("infobound_version", h.infobound_version);
  root.set_attribute("config", h.config_yaml);
  root.set_attribute("status", h.status);
  root.set_attribute("checksum", h.checksum);
}

UnitHeader read_header(const h5::Group& root, const fs::path& path, const std::string& expected_config_hash) {
  UnitHeader h;
  if (!root.has_attribute("schema_version"))
    throw UnitFileError(path.string() + ": not an infobound unit file (no schema_version)");
  h.schema_version = root.int_attribute("schema_version");
  if (h.schema_version == 1)
    throw UnitFileError(path.string() +
                        ": unit file schema version 1 (per-shard label tables, written by infobound before 0.2); this "
                        "infobound reads schema version " +
                        std::to_string(kUnitSchemaVersion) +
                        ". Plan the study into a new --out directory; the old units cannot be converted");
  if (h.schema_version != kUnitSchemaVersion)
    throw UnitFileError(path.string() + ": unit file schema version " + std::to_string(h.schema_version) +
                        ", this infobound reads schema version " + std::to_string(kUnitSchemaVersion));
  h.config_hash = root.string_attribute("config_hash");
  if (!expected_config_hash.empty() && h.config_hash != expected_config_hash)
    throw UnitFileError(path.string() + ": unit file has config hash " + h.config_hash + " but the plan has " +
                        expected_config_hash + " (made from another config)");
  h.status = root.string_attribute("status");
  if (h.status != "complete") throw UnitFileError(path.string() + ": unit file status is '" + h.status + "', not complete");
  h.unit_id = root.string_attribute("unit_id");
  h.model = root.string_attribute("model");
  h.checkpoint = root.string_attribute("checkpoint");
  h.reference = root.string_attribute("reference");
  h.tokenizer_id = root.string_attribute("tokenizer_id");
  h.layers = root.int_array_attribute("layers");
  h.n_bins = root.int_attribute("n_bins");
  h.seed = root.int_attribute("seed");
  h.eps = root.double_attribute("eps");
  h.calibration = root.string_attribute("calibration");
  h.window = root.string_attribute("window");
  h.d = root.int_attribute("d");
  h.fixed_point_bits = root.int_attribute("fixed_point_bits");
  h.n_parameters = root.int_attribute("n_parameters");
  h.n_layers = root.int_attribute("n_layers");
  h.n_tokens = root.int_attribute("n_tokens");
  h.n_sequences = root.int_attribute("n_sequences");
  h.loss_sum = get_words(root, "loss_sum", path);
  h.loss_count = root.int_attribute("loss_count");
  h.infobound_version = root.string_attribute("infobound_version");
  h.config_yaml = root.string_attribute("config");
  h.checksum = root.string_attribute("checksum");
  if (h.n_bins < 2 || h.n_bins > (int64_t{1} << 24))
    throw UnitFileError(path.string() + ": n_bins " + std::to_string(h.n_bins) + " is not a plausible number of bins");
  return h;
}

void hash_sum(Sha256& hash, const ExactSum& sum) {
  hash_value(hash, sum.high_word());
  hash_value(hash, sum.low_word());
}

}  // namespace

std::string unit_checksum(const UnitData& data) {
  Sha256 hash;
  const UnitHeader& h = data.header;
  hash_string(hash, h.unit_id);
  hash_string(hash, h.config_hash);
  hash_vector(hash, h.layers);
  for (const int64_t v :
       {h.n_bins, h.seed, h.d, h.fixed_point_bits, h.n_parameters, h.n_layers, h.n_tokens, h.n_sequences, h.loss_count})
    hash_value(hash, v);
  hash_value(hash, h.eps);
  hash_sum(hash, h.loss_sum);
  hash_value(hash, static_cast<uint64_t>(data.layers.size()));
  for (const auto& layer : data.layers) {
    hash_value(hash, layer.layer);
    hash_value(hash, layer.n_rows);
    hash_vector(hash, layer.bins);
    hash_value(hash, static_cast<uint64_t>(layer.label_sets.size()));
    for (const auto& set : layer.label_sets) {
      hash_string(hash, set.name);
      for (const int64_t v : {set.key_width, set.labelled_rows, set.distinct_keys, set.folded_rows}) hash_value(hash, v);
      hash_vector(hash, set.marginal);
      hash_sum(hash, set.conditional);
    }
  }
  return hash.hex_digest();
}

void write_unit_file(const fs::path& path, UnitData data) {
  const int64_t n_bins = data.header.n_bins;
  for (const auto& layer : data.layers) {
    if (static_cast<int64_t>(layer.bins.size()) != n_bins || layer.fixed_point_bits != data.header.fixed_point_bits)
      throw std::logic_error("unit " + data.header.unit_id + ": layer bins or scale disagree with the header");
    for (const auto& set : layer.label_sets)
      if (static_cast<int64_t>(set.marginal.size()) != n_bins)
        throw std::logic_error("unit " + data.header.unit_id + ": label set " + set.name + " has a marginal of the wrong size");
  }
  // Canonical order, the one the reader sees (HDF5 lists links by name).
  std::sort(data.layers.begin(), data.layers.end(), [](const auto& a, const auto& b) { return a.layer < b.layer; });
  for (auto& layer : data.layers)
    std::sort(layer.label_sets.begin(), layer.label_sets.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  data.header.layers.clear();
  for (const auto& layer : data.layers) data.header.layers.push_back(layer.layer);
  data.header.schema_version = kUnitSchemaVersion;
  data.header.status = "complete";
  data.header.checksum = unit_checksum(data);
  const fs::path temporary = temporary_path_for(path);
  {
    h5::File file = h5::File::create(temporary);
    h5::Group& root = file.root();
    write_header(root, data.header);
    h5::Group layers = root.create_group("layers");
    for (const auto& layer : data.layers) {
      h5::Group g = layers.create_group(std::to_string(layer.layer));
      g.set_attribute("n_rows", layer.n_rows);
      g.write("bins", std::span<const int64_t>(layer.bins), {n_bins});
      h5::Group sets = g.create_group("label_sets");
      for (const auto& set : layer.label_sets) {
        h5::Group s = sets.create_group(set.name);
        s.set_attribute("key_width", set.key_width);
        s.set_attribute("labelled_rows", set.labelled_rows);
        s.set_attribute("distinct_keys", set.distinct_keys);
        s.set_attribute("folded_rows", set.folded_rows);
        set_words(s, "conditional", set.conditional);
        s.write("marginal", std::span<const int64_t>(set.marginal), {n_bins});
      }
    }
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
    const int64_t n_bins = data.header.n_bins;
    const h5::Group layers = root.open_group("layers");
    for (const int64_t l : data.header.layers) {
      const h5::Group g = layers.open_group(std::to_string(l));
      LayerStatistics layer;
      layer.layer = l;
      layer.n_bins = n_bins;
      layer.fixed_point_bits = data.header.fixed_point_bits;
      layer.n_rows = g.int_attribute("n_rows");
      layer.bins = g.read_int64("bins");
      if (static_cast<int64_t>(layer.bins.size()) != n_bins)
        throw UnitFileError(path.string() + ": layers/" + std::to_string(l) + "/bins has " + std::to_string(layer.bins.size()) +
                            " values, n_bins is " + std::to_string(n_bins));
      const h5::Group sets = g.open_group("label_sets");
      for (const auto& name : sets.children()) {
        const h5::Group s = sets.open_group(name);
        LabelSetStatistics set;
        set.name = name;
        set.key_width = s.int_attribute("key_width");
        set.labelled_rows = s.int_attribute("labelled_rows");
        set.distinct_keys = s.int_attribute("distinct_keys");
        set.folded_rows = s.int_attribute("folded_rows");
        set.conditional = get_words(s, "conditional", path);
        set.marginal = s.read_int64("marginal");
        if (static_cast<int64_t>(set.marginal.size()) != n_bins)
          throw UnitFileError(path.string() + ": " + s.path() + "/marginal has the wrong size");
        layer.label_sets.push_back(std::move(set));
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
