#pragma once
// Scores a causal LM on the eval tasks (lib/eval/include/infobound/eval/tasks.hpp), in batches,
// without gradients. Scores are means over items with the binomial standard error, as
// lm-evaluation-harness reports them.
#include <cstdint>
#include <vector>

#include "infobound/eval/tasks.hpp"
#include "infobound/models/causal_lm.hpp"

namespace infobound::eval {

struct TaskScore {
  double acc = 0, acc_stderr = 0;
  double acc_norm = 0, acc_norm_stderr = 0;  // cloze: log-likelihood per byte of the continuation
  double perplexity = 0;                     // next-token: exp(mean negative log-likelihood per token)
  int64_t n = 0;                             // items (cloze) or predicted positions (next-token)
  bool has_norm = false, has_perplexity = false;
};

TaskScore score_next_token(models::CausalLM& model, const std::vector<std::vector<int64_t>>& windows, int64_t batch_size);
TaskScore score_cloze(models::CausalLM& model, const std::vector<ClozeTokens>& items, int64_t batch_size);

// Summed log-probabilities of each sequence's tokens from `first[i]` on (each token given the ones
// before it): the building block of both tasks, exposed for tests.
std::vector<double> continuation_log_likelihoods(models::CausalLM& model, const std::vector<std::vector<int64_t>>& sequences,
                                                 const std::vector<int64_t>& first, int64_t batch_size);

}  // namespace infobound::eval
