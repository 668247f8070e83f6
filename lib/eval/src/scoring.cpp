#include "infobound/eval/scoring.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <utility>

namespace infobound::eval {
namespace {

double binomial_stderr(double p, int64_t n) { return n > 1 ? std::sqrt(p * (1 - p) / static_cast<double>(n - 1)) : 0.0; }

// Right-padded batch [B, T] of ids (pad 0) and its attention mask.
std::pair<at::Tensor, at::Tensor> pad_batch(const std::vector<std::vector<int64_t>>& sequences, std::size_t begin,
                                            std::size_t end) {
  std::size_t longest = 0;
  for (std::size_t i = begin; i < end; ++i) longest = std::max(longest, sequences[i].size());
  const auto rows = static_cast<int64_t>(end - begin), cols = static_cast<int64_t>(longest);
  at::Tensor ids = at::zeros({rows, cols}, at::kLong), mask = at::zeros({rows, cols}, at::kLong);
  auto id = ids.accessor<int64_t, 2>();
  auto m = mask.accessor<int64_t, 2>();
  for (std::size_t i = begin; i < end; ++i)
    for (std::size_t t = 0; t < sequences[i].size(); ++t) {
      id[static_cast<int64_t>(i - begin)][static_cast<int64_t>(t)] = sequences[i][t];
      m[static_cast<int64_t>(i - begin)][static_cast<int64_t>(t)] = 1;
    }
  return {ids, mask};
}

// Log-softmax of the next-token logits of a padded batch, float32 on the CPU: [B, T - 1, V]
// where row t scores token t + 1.
at::Tensor next_token_log_probs(models::CausalLM& model, const at::Tensor& ids, const at::Tensor& mask) {
  models::ForwardOptions options;
  options.compute_logits = true;
  const at::Tensor logits = model.forward(ids.to(model.device()), mask.to(model.device()), {}, options);
  return at::log_softmax(logits.narrow(1, 0, ids.size(1) - 1).to(at::kFloat), -1).cpu();
}

// continuation_log_likelihoods without the deduplication.
std::vector<double> score_distinct(models::CausalLM& model, const std::vector<std::vector<int64_t>>& sequences,
                                   const std::vector<int64_t>& first, int64_t batch_size) {
  at::NoGradGuard no_grad;
  std::vector<double> out(sequences.size(), 0.0);
  for (std::size_t begin = 0; begin < sequences.size(); begin += static_cast<std::size_t>(batch_size)) {
    const std::size_t end = std::min(sequences.size(), begin + static_cast<std::size_t>(batch_size));
    const auto [ids, mask] = pad_batch(sequences, begin, end);
    const at::Tensor log_probs = next_token_log_probs(model, ids, mask);
    const at::Tensor targets = ids.narrow(1, 1, ids.size(1) - 1);
    const at::Tensor picked = log_probs.gather(2, targets.unsqueeze(2)).squeeze(2);  // [B, T - 1]
    auto p = picked.accessor<float, 2>();
    for (std::size_t i = begin; i < end; ++i) {
      double sum = 0;
      for (std::size_t t = static_cast<std::size_t>(std::max<int64_t>(first[i], 1)); t < sequences[i].size(); ++t)
        sum += p[static_cast<int64_t>(i - begin)][static_cast<int64_t>(t - 1)];
      out[i] = sum;
    }
  }
  return out;
}

}  // namespace

// A sequence is scored once however often it is asked for: the GEMM's rounding depends on the
// row a sequence takes in its batch, so two copies scored apart need not tie exactly.
std::vector<double> continuation_log_likelihoods(models::CausalLM& model, const std::vector<std::vector<int64_t>>& sequences,
                                                 const std::vector<int64_t>& first, int64_t batch_size) {
  std::map<std::pair<std::vector<int64_t>, int64_t>, std::size_t> distinct_index;
  std::vector<std::vector<int64_t>> distinct;
  std::vector<int64_t> distinct_first;
  std::vector<std::size_t> index_of(sequences.size());
  for (std::size_t i = 0; i < sequences.size(); ++i) {
    const auto [it, inserted] = distinct_index.try_emplace({sequences[i], first[i]}, distinct.size());
    if (inserted) {
      distinct.push_back(sequences[i]);
      distinct_first.push_back(first[i]);
    }
    index_of[i] = it->second;
  }
  const std::vector<double> scored = score_distinct(model, distinct, distinct_first, batch_size);
  std::vector<double> out(sequences.size());
  for (std::size_t i = 0; i < sequences.size(); ++i) out[i] = scored[index_of[i]];
  return out;
}

TaskScore score_next_token(models::CausalLM& model, const std::vector<std::vector<int64_t>>& windows, int64_t batch_size) {
  at::NoGradGuard no_grad;
  TaskScore score;
  int64_t correct = 0;
  double nll = 0;
  for (std::size_t begin = 0; begin < windows.size(); begin += static_cast<std::size_t>(batch_size)) {
    const std::size_t end = std::min(windows.size(), begin + static_cast<std::size_t>(batch_size));
    const auto [ids, mask] = pad_batch(windows, begin, end);
    const at::Tensor log_probs = next_token_log_probs(model, ids, mask);
    const at::Tensor targets = ids.narrow(1, 1, ids.size(1) - 1);
    const at::Tensor best = log_probs.argmax(2);
    const at::Tensor picked = log_probs.gather(2, targets.unsqueeze(2)).squeeze(2);
    auto b = best.accessor<int64_t, 2>();
    auto t = targets.accessor<int64_t, 2>();
    auto p = picked.accessor<float, 2>();
    for (std::size_t i = begin; i < end; ++i)
      for (std::size_t pos = 0; pos + 1 < windows[i].size(); ++pos) {
        const auto r = static_cast<int64_t>(i - begin), c = static_cast<int64_t>(pos);
        correct += b[r][c] == t[r][c];
        nll -= p[r][c];
        ++score.n;
      }
  }
  if (score.n == 0) return score;
  score.acc = static_cast<double>(correct) / static_cast<double>(score.n);
  score.acc_stderr = binomial_stderr(score.acc, score.n);
  score.perplexity = std::exp(nll / static_cast<double>(score.n));
  score.has_perplexity = true;
  return score;
}

TaskScore score_cloze(models::CausalLM& model, const std::vector<ClozeTokens>& items, int64_t batch_size) {
  std::vector<std::vector<int64_t>> sequences;
  std::vector<int64_t> first;
  for (const auto& item : items)
    for (const auto* continuation : {&item.answer, &item.distractor}) {
      std::vector<int64_t> s = item.context;
      s.insert(s.end(), continuation->begin(), continuation->end());
      first.push_back(static_cast<int64_t>(item.context.size()));
      sequences.push_back(std::move(s));
    }
  const auto ll = continuation_log_likelihoods(model, sequences, first, batch_size);
  TaskScore score;
  score.n = static_cast<int64_t>(items.size());
  if (score.n == 0) return score;
  int64_t correct = 0, correct_norm = 0;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const double answer = ll[2 * i], distractor = ll[2 * i + 1];
    // Ties go to the answer, as lm-evaluation-harness' argmax picks the first (gold) choice.
    correct += answer >= distractor;
    correct_norm +=
        answer / static_cast<double>(items[i].answer_bytes) >= distractor / static_cast<double>(items[i].distractor_bytes);
  }
  score.acc = static_cast<double>(correct) / static_cast<double>(score.n);
  score.acc_stderr = binomial_stderr(score.acc, score.n);
  score.acc_norm = static_cast<double>(correct_norm) / static_cast<double>(score.n);
  score.acc_norm_stderr = binomial_stderr(score.acc_norm, score.n);
  score.has_norm = true;
  return score;
}

}  // namespace infobound::eval
