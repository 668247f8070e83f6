#include "label_tensors.hpp"

#include "infobound/core/error.hpp"

namespace infobound::estimate::detail {

std::vector<at::Tensor> checked_labels(const std::vector<LabelSetSpec>& specs, const std::vector<at::Tensor>& labels) {
  if (labels.size() != specs.size())
    throw InputError("expected " + std::to_string(specs.size()) + " label arrays, got " + std::to_string(labels.size()));
  std::vector<at::Tensor> out;
  out.reserve(labels.size());
  int64_t n_rows = -1;
  for (size_t s = 0; s < specs.size(); ++s) {
    at::Tensor t = labels[s];
    if (!t.defined()) throw InputError("label set '" + specs[s].name + "' has no labels");
    if (at::isFloatingType(t.scalar_type()) || t.scalar_type() == at::kBool)
      throw InputError("labels of '" + specs[s].name + "' must be integers, got " + std::string(c10::toString(t.scalar_type())));
    if (t.dim() == 1) t = t.unsqueeze(1);
    if (t.dim() != 2 || t.size(1) != specs[s].key_width)
      throw InputError("labels of '" + specs[s].name + "' must have shape [N] or [N, " + std::to_string(specs[s].key_width) +
                       "]");
    if (n_rows >= 0 && t.size(0) != n_rows)
      throw InputError("label set '" + specs[s].name + "' has " + std::to_string(t.size(0)) + " rows but the others have " +
                       std::to_string(n_rows));
    n_rows = t.size(0);
    out.push_back(t.to(at::kCPU, at::kLong).contiguous());
  }
  return out;
}

std::vector<at::Tensor> checked_masks(const std::vector<LabelSetSpec>& specs, const std::vector<at::Tensor>& valid,
                                      int64_t n_rows) {
  std::vector<at::Tensor> out(specs.size());
  if (valid.empty()) return out;
  if (valid.size() != specs.size())
    throw InputError("expected " + std::to_string(specs.size()) + " label masks, got " + std::to_string(valid.size()));
  for (size_t s = 0; s < specs.size(); ++s) {
    if (!valid[s].defined()) continue;
    if (valid[s].dim() != 1 || valid[s].size(0) != n_rows)
      throw InputError("the mask of label set '" + specs[s].name + "' must have shape [" + std::to_string(n_rows) + "]");
    out[s] = valid[s].to(at::kCPU, at::kBool).contiguous();
  }
  return out;
}

}  // namespace infobound::estimate::detail
