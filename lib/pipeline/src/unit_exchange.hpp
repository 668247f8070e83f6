#pragma once
// What the ranks of one unit send each other (runtime.ranks_per_unit): label rows to the rank that
// owns their key, and their parts of the statistics at the end. Plain byte messages, one per
// member and batch, so buffers stay bounded by the batch size.
#include <cstdint>
#include <vector>

#include <ATen/ATen.h>

#include "infobound/core/layer_statistics.hpp"
#include "infobound/estimate/accumulator.hpp"
#include "infobound/estimate/ngram.hpp"

namespace infobound::pipeline {

// Per member: the rows of `rows` with at least one key that member owns, with every label set's
// key (valid only where the member owns it) and the float32 assignments of every layer slot.
std::vector<std::vector<char>> route_label_rows(const estimate::BatchRows& rows, const std::vector<at::Tensor>& p_per_slot,
                                                const std::vector<estimate::LabelSetSpec>& specs, int64_t n_members);

// Adds one received message to the tables of `accumulator` (Parts::tables).
void add_routed_rows(estimate::MultiLayerAccumulator& accumulator, const std::vector<char>& message, const std::string& where);

std::vector<char> encode_statistics(const std::vector<LayerStatistics>& layers, const ExactSum& loss_sum, int64_t loss_count);
void decode_add_statistics(const std::vector<char>& bytes, std::vector<LayerStatistics>& layers, ExactSum& loss_sum,
                           int64_t& loss_count);

}  // namespace infobound::pipeline
