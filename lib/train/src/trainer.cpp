#include "infobound/train/trainer.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>

#include <ATen/core/Reduction.h>
#include <torch/nn/utils/clip_grad.h>
#include <torch/optim/adamw.h>

#include "infobound/core/error.hpp"
#include "infobound/core/log.hpp"
#include "infobound/train/checkpoint.hpp"
#include "infobound/train/schedule.hpp"

namespace infobound::train {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// Next-token cross-entropy of windows [B, T+1]: inputs are the first T tokens, targets the last T.
at::Tensor window_loss(models::CausalLM& model, const at::Tensor& windows) {
  const int64_t length = windows.size(1) - 1;
  const at::Tensor inputs = windows.narrow(1, 0, length);
  const at::Tensor targets = windows.narrow(1, 1, length).to(model.device());
  models::ForwardOptions options;
  options.compute_logits = true;
  const at::Tensor logits = model.forward(inputs, at::Tensor(), {}, options);
  return at::cross_entropy_loss(logits.reshape({-1, logits.size(-1)}).to(at::kFloat), targets.reshape({-1}));
}

// Weight decay on matrices (embeddings, projections, head) only: decaying norm gains and biases
// pulls them towards 0 for no regularisation benefit (the GPT-2/Pythia/nanoGPT convention).
std::unique_ptr<torch::optim::AdamW> make_optimizer(models::CausalLM& model, const OptimizerSpec& spec) {
  std::vector<at::Tensor> matrices, others;
  for (const auto& parameter : model.named_parameters(/*recurse=*/true)) {
    (parameter.value().dim() >= 2 ? matrices : others).push_back(parameter.value());
  }
  auto options = [&](double decay) {
    auto o = std::make_unique<torch::optim::AdamWOptions>(spec.learning_rate);
    o->betas({spec.beta1, spec.beta2}).eps(spec.epsilon).weight_decay(decay);
    return o;
  };
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(matrices, options(spec.weight_decay));
  if (!others.empty()) groups.emplace_back(others, options(0.0));
  return std::make_unique<torch::optim::AdamW>(std::move(groups), *options(spec.weight_decay));
}

void set_learning_rate(torch::optim::AdamW& optimizer, double lr) {
  for (auto& group : optimizer.param_groups()) static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
}

std::string format_number(const char* format, double value) {
  char text[64];
  std::snprintf(text, sizeof text, format, value);
  return text;
}

}  // namespace

struct TrainingStep::Impl {
  models::CausalLM& model;
  double grad_clip;
  std::unique_ptr<torch::optim::AdamW> optimizer;
  std::vector<at::Tensor> parameters;
};

TrainingStep::TrainingStep(models::CausalLM& model, const OptimizerSpec& spec)
    : impl_(new Impl{model, spec.grad_clip, make_optimizer(model, spec), model.parameters()}) {}

TrainingStep::~TrainingStep() = default;

TrainingStep::Stats TrainingStep::run(const at::Tensor& windows, double lr) {
  set_learning_rate(*impl_->optimizer, lr);
  impl_->optimizer->zero_grad();
  const at::Tensor loss = window_loss(impl_->model, windows);
  loss.backward();
  Stats stats;
  stats.grad_norm = torch::nn::utils::clip_grad_norm_(impl_->parameters, impl_->grad_clip > 0 ? impl_->grad_clip : INFINITY);
  impl_->optimizer->step();
  stats.loss = loss.item<double>();
  return stats;
}

double mean_loss(models::CausalLM& model, const at::Tensor& windows, int64_t batch_size) {
  if (!windows.defined() || windows.size(0) == 0) throw std::invalid_argument("mean_loss: no windows");
  at::NoGradGuard no_grad;
  double total = 0;
  for (int64_t first = 0; first < windows.size(0); first += batch_size) {
    const int64_t count = std::min(batch_size, windows.size(0) - first);
    total += window_loss(model, windows.narrow(0, first, count)).item<double>() * static_cast<double>(count);
  }
  return total / static_cast<double>(windows.size(0));
}

TrainResult train_model(const TrainJob& job, const std::function<void(const CheckpointRecord&)>& on_checkpoint) {
  const OptimizerSpec& spec = job.optimizer;
  const int64_t context = job.train->context_length();
  const int64_t tokens_per_step = spec.batch_size * context;
  const auto started = Clock::now();

  at::manual_seed(spec.seed);
  TrainResult result;
  result.model = models::CausalLM::from_config(job.hf_config);
  models::CausalLM& model = *result.model;
  result.n_parameters = model.info().n_parameters;
  TrainingStep update(model, spec);
  BatchSampler sampler(*job.train, spec.batch_size, spec.seed);
  const LrSchedule schedule{spec.learning_rate, spec.min_learning_rate, spec.warmup_steps, spec.steps};
  const std::vector<int64_t> checkpoints = checkpoint_steps(spec.steps);

  nlohmann::json history = nlohmann::json::array();
  double last_lr = 0;
  auto save = [&](int64_t step) {
    CheckpointRecord record;
    record.step = step;
    record.tokens_seen = step * tokens_per_step;
    record.learning_rate = last_lr;
    record.train_loss = mean_loss(model, job.train_sample, spec.batch_size);
    record.heldout_loss = mean_loss(model, job.heldout_sample, spec.batch_size);
    record.dir = checkpoint_dir(job.dir, step);
    nlohmann::json state = job.provenance;
    state.update({{"format", kTrainingStateFormat},
                  {"model", job.model.name},
                  {"family", job.model.family.name},
                  {"size", job.model.size.name},
                  {"model_type", job.model.family.model_type},
                  {"step", step},
                  {"final_step", spec.steps},
                  {"is_final", step == spec.steps},
                  {"tokens_seen", record.tokens_seen},
                  {"tokens_per_step", tokens_per_step},
                  {"batch_size", spec.batch_size},
                  {"context_length", context},
                  {"learning_rate", last_lr},
                  {"train_loss", record.train_loss},
                  {"heldout_loss", record.heldout_loss},
                  {"train_sample_windows", job.train_sample.size(0)},
                  {"heldout_sample_windows", job.heldout_sample.size(0)},
                  {"n_parameters", result.n_parameters},
                  {"seed", spec.seed},
                  {"fingerprint", job.fingerprint},
                  {"log_history", history}});
    write_checkpoint(model, record.dir, job.tokenizer_file, state);
    log::info(job.model.name + " step " + std::to_string(step) + "/" + std::to_string(spec.steps) + ": train loss " +
              format_number("%.4f", record.train_loss) + ", held-out loss " + format_number("%.4f", record.heldout_loss));
    result.checkpoints.push_back(record);
    if (on_checkpoint) on_checkpoint(record);
  };

  model.train(true);
  save(0);
  std::size_t next_checkpoint = 1;
  double train_seconds = 0;
  for (int64_t step = 0; step < spec.steps; ++step) {
    const auto step_started = Clock::now();
    last_lr = learning_rate(schedule, step);
    const auto [loss_value, grad_norm] = update.run(sampler.next(), last_lr);
    train_seconds += seconds_since(step_started);
    if (!std::isfinite(loss_value)) {
      throw InputError(job.model.name + ": training diverged at step " + std::to_string(step + 1) +
                       " (loss is not finite); lower training.learning_rate");
    }
    history.push_back({{"step", step + 1}, {"loss", loss_value}, {"learning_rate", last_lr}, {"grad_norm", grad_norm}});
    if (next_checkpoint < checkpoints.size() && checkpoints[next_checkpoint] == step + 1) {
      save(step + 1);
      ++next_checkpoint;
    }
  }
  result.train_seconds = train_seconds;
  result.total_seconds = seconds_since(started);
  result.tokens_per_second = train_seconds > 0 ? static_cast<double>(spec.steps * tokens_per_step) / train_seconds : 0;
  return result;
}

}  // namespace infobound::train
