#include "unit_exchange.hpp"

#include <cstring>
#include <stdexcept>

#include "infobound/estimate/label_keys.hpp"

namespace infobound::pipeline {
namespace {

class Writer {
 public:
  explicit Writer(std::vector<char>& out) : out_(out) {}
  template <typename T>
  void value(const T& v) {
    bytes(&v, sizeof v);
  }
  void bytes(const void* data, std::size_t size) {
    if (size == 0) return;
    const std::size_t at = out_.size();
    out_.resize(at + size);
    std::memcpy(out_.data() + at, data, size);
  }

 private:
  std::vector<char>& out_;
};

class Reader {
 public:
  explicit Reader(const std::vector<char>& in) : in_(in) {}
  template <typename T>
  T value() {
    T v;
    bytes(&v, sizeof v);
    return v;
  }
  void bytes(void* out, std::size_t size) {
    if (at_ + size > in_.size())
      throw std::runtime_error("a team message ended early (ranks of one unit disagree on its layout)");
    std::memcpy(out, in_.data() + at_, size);
    at_ += size;
  }
  bool done() const { return at_ == in_.size(); }

 private:
  const std::vector<char>& in_;
  std::size_t at_ = 0;
};

}  // namespace

std::vector<std::vector<char>> route_label_rows(const estimate::BatchRows& rows, const std::vector<at::Tensor>& p_per_slot,
                                                const std::vector<estimate::LabelSetSpec>& specs, int64_t n_members) {
  const int64_t n_rows = rows.size();
  const auto n_sets = specs.size();
  if (n_rows == 0) {  // this member had no batch this round: a header saying so
    std::vector<std::vector<char>> empty(static_cast<std::size_t>(n_members));
    for (auto& message : empty) {
      Writer out(message);
      for (const int64_t v : {int64_t{0}, static_cast<int64_t>(n_sets), static_cast<int64_t>(p_per_slot.size()), int64_t{0}})
        out.value(v);
    }
    return empty;
  }
  // owner_of[s][i]: the member owning row i's key of set s, or -1 when row i has no such label.
  std::vector<std::vector<int64_t>> owner_of(n_sets, std::vector<int64_t>(static_cast<std::size_t>(n_rows), -1));
  std::vector<at::Tensor> keys(n_sets), valid(n_sets);
  for (std::size_t s = 0; s < n_sets; ++s) {
    keys[s] = rows.labels[s].to(at::kLong).contiguous().view({n_rows, specs[s].key_width});
    if (rows.valid.size() > s && rows.valid[s].defined()) valid[s] = rows.valid[s].to(at::kBool).contiguous();
    const int64_t* key = keys[s].data_ptr<int64_t>();
    const bool* mask = valid[s].defined() ? valid[s].data_ptr<bool>() : nullptr;
    for (int64_t i = 0; i < n_rows; ++i)
      if (!mask || mask[i])
        owner_of[s][static_cast<std::size_t>(i)] =
            estimate::key_owner(key + i * specs[s].key_width, specs[s].key_width, n_members);
  }
  std::vector<at::Tensor> p(p_per_slot.size());
  for (std::size_t l = 0; l < p.size(); ++l) p[l] = p_per_slot[l].to(at::kCPU, at::kFloat).contiguous();
  const int64_t n_bins = p.empty() ? 0 : p[0].size(1);

  std::vector<std::vector<char>> messages(static_cast<std::size_t>(n_members));
  for (int64_t m = 0; m < n_members; ++m) {
    std::vector<int64_t> selected;
    for (int64_t i = 0; i < n_rows; ++i)
      for (std::size_t s = 0; s < n_sets; ++s)
        if (owner_of[s][static_cast<std::size_t>(i)] == m) {
          selected.push_back(i);
          break;
        }
    Writer out(messages[static_cast<std::size_t>(m)]);
    out.value(static_cast<int64_t>(selected.size()));
    out.value(static_cast<int64_t>(n_sets));
    out.value(static_cast<int64_t>(p.size()));
    out.value(n_bins);
    for (std::size_t s = 0; s < n_sets; ++s) {
      const int64_t w = specs[s].key_width;
      const int64_t* key = keys[s].data_ptr<int64_t>();
      for (const int64_t i : selected) out.bytes(key + i * w, static_cast<std::size_t>(w) * sizeof(int64_t));
      for (const int64_t i : selected) out.value(static_cast<char>(owner_of[s][static_cast<std::size_t>(i)] == m));
    }
    for (const auto& slot : p) {
      const float* values = slot.data_ptr<float>();
      for (const int64_t i : selected) out.bytes(values + i * n_bins, static_cast<std::size_t>(n_bins) * sizeof(float));
    }
  }
  return messages;
}

void add_routed_rows(estimate::MultiLayerAccumulator& accumulator, const std::vector<char>& message, const std::string& where) {
  Reader in(message);
  const auto n_rows = in.value<int64_t>();
  const auto n_sets = in.value<int64_t>();
  const auto n_slots = in.value<int64_t>();
  const auto n_bins = in.value<int64_t>();
  const auto& specs = accumulator.label_sets();
  if (n_sets != static_cast<int64_t>(specs.size()) || n_slots != static_cast<int64_t>(accumulator.layers().size()) ||
      (n_rows > 0 && n_bins != accumulator.n_bins()))
    throw std::runtime_error("a team message does not match this unit's label sets, layers or bins");
  if (n_rows == 0) return;
  std::vector<at::Tensor> labels, valid;
  for (int64_t s = 0; s < n_sets; ++s) {
    const int64_t w = specs[static_cast<std::size_t>(s)].key_width;
    at::Tensor key = at::empty({n_rows, w}, at::kLong);
    in.bytes(key.data_ptr<int64_t>(), static_cast<std::size_t>(n_rows * w) * sizeof(int64_t));
    at::Tensor mask = at::empty({n_rows}, at::kBool);
    in.bytes(mask.data_ptr<bool>(), static_cast<std::size_t>(n_rows));
    labels.push_back(w == 1 ? key.view({n_rows}) : key);
    valid.push_back(mask);
  }
  accumulator.set_labels(labels, valid);
  for (int64_t l = 0; l < n_slots; ++l) {
    at::Tensor p = at::empty({n_rows, n_bins}, at::kFloat);
    in.bytes(p.data_ptr<float>(), static_cast<std::size_t>(n_rows * n_bins) * sizeof(float));
    accumulator.add_layer(l, p, estimate::Parts::tables, where);
  }
  if (!in.done()) throw std::runtime_error("a team message has trailing bytes");
}

std::vector<char> encode_statistics(const std::vector<LayerStatistics>& layers, const ExactSum& loss_sum, int64_t loss_count) {
  std::vector<char> bytes;
  Writer out(bytes);
  out.value(loss_sum.high_word());
  out.value(loss_sum.low_word());
  out.value(loss_count);
  for (const auto& layer : layers) {
    out.value(layer.n_rows);
    out.bytes(layer.bins.data(), layer.bins.size() * sizeof(int64_t));
    for (const auto& set : layer.label_sets) {
      for (const int64_t v :
           {set.labelled_rows, set.distinct_keys, set.folded_rows, set.conditional.high_word(), set.conditional.low_word()})
        out.value(v);
      out.bytes(set.marginal.data(), set.marginal.size() * sizeof(int64_t));
    }
  }
  return bytes;
}

void decode_add_statistics(const std::vector<char>& bytes, std::vector<LayerStatistics>& layers, ExactSum& loss_sum,
                           int64_t& loss_count) {
  Reader in(bytes);
  const auto high = in.value<int64_t>();
  const auto low = in.value<int64_t>();
  loss_sum.add(ExactSum::from_words(high, low));
  loss_count += in.value<int64_t>();
  for (auto& layer : layers) {
    LayerStatistics part = layer;
    part.n_rows = in.value<int64_t>();
    in.bytes(part.bins.data(), part.bins.size() * sizeof(int64_t));
    for (auto& set : part.label_sets) {
      set.labelled_rows = in.value<int64_t>();
      set.distinct_keys = in.value<int64_t>();
      set.folded_rows = in.value<int64_t>();
      const auto c_high = in.value<int64_t>();
      const auto c_low = in.value<int64_t>();
      set.conditional = ExactSum::from_words(c_high, c_low);
      in.bytes(set.marginal.data(), set.marginal.size() * sizeof(int64_t));
    }
    layer.add(part);
  }
  if (!in.done()) throw std::runtime_error("a team's statistics message has trailing bytes");
}

}  // namespace infobound::pipeline
