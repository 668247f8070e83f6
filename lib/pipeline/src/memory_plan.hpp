#pragma once
// Memory of one rank working on a unit, predicted from the corpus census (exact key counts after
// folding) and the model's shape, and the packing of a checkpoint's layers into groups that fit
// runtime.memory_budget (DESIGN.md section 8). docs/unit-files.md explains each term.
#include <cstdint>
#include <string>
#include <vector>

#include "infobound/core/config.hpp"
#include "infobound/core/plan.hpp"

namespace infobound::pipeline {

struct ModelShape {
  bool known = false;
  double params = 0;
  double d = 0;
  double n_layers = 0;  // blocks L
  double vocab = 0;
  double file_bytes_per_param = 2;  // stored dtype of the checkpoint
};

struct RankMemory {
  double runtime = 0;      // the process: libtorch, MPI, allocator
  double corpus = 0;       // token cache in memory
  double weights = 0;      // parameters in the compute dtype + the mapped checkpoint file
  double activations = 0;  // one batch's forward (+ logits and loss on the group with the last block)
  double counting = 0;     // the counting pass (transient, before the tables)
  double key_index = 0;    // kept keys this rank owns
  double per_layer = 0;    // label tables of one layer on this rank + its batch buffers
  // Peak for a group of `layers` layers.
  double peak(int64_t layers) const;
};

RankMemory rank_memory(const StudyConfig& config, const PlanTokenizer& tokenizer, const ModelShape& shape, int64_t ranks_per_unit,
                       bool with_logits);

// Per rank: runtime.memory_budget, else this machine's memory (80%) shared by the ranks on it.
int64_t default_memory_budget(int64_t local_ranks);
int64_t memory_budget(const StudyConfig& config, int64_t local_ranks);

// Consecutive groups of `layers` (sizes differing by at most one) such that every group's peak
// fits `budget`; throws InputError saying what to raise when one layer alone does not fit.
// `max_layers` > 0 caps a group's size (runtime.max_layers_per_unit).
std::vector<std::vector<int64_t>> group_layers(const std::vector<int64_t>& layers, const RankMemory& memory, double budget,
                                               int64_t max_layers, const std::string& what);

std::string human_bytes(double bytes);

}  // namespace infobound::pipeline
