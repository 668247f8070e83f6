#pragma once
// Validation of label tensors against the rows they label.
#include <string>
#include <vector>

#include <ATen/ATen.h>

#include "infobound/estimate/accumulator.hpp"

namespace infobound::estimate::detail {

// Returns contiguous CPU int64 [N, key_width] tensors; throws InputError on a mismatch.
std::vector<at::Tensor> checked_labels(const std::vector<LabelSetSpec>& specs, const std::vector<at::Tensor>& labels);
// Returns contiguous CPU bool [N] masks, undefined where all rows are labelled.
std::vector<at::Tensor> checked_masks(const std::vector<LabelSetSpec>& specs, const std::vector<at::Tensor>& valid,
                                      int64_t n_rows);

}  // namespace infobound::estimate::detail
