#include "infobound/pipeline/extract.hpp"

#include <sched.h>
#include <unistd.h>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <map>
#include <memory>
#include <thread>

#include "infobound/core/error.hpp"
#include "infobound/core/log.hpp"
#include "infobound/core/progress.hpp"
#include "infobound/core/signals.hpp"
#include "infobound/core/version.hpp"
#include "infobound/corpus/sequences.hpp"
#include "infobound/estimate/accumulator.hpp"
#include "infobound/estimate/calibration.hpp"
#include "infobound/estimate/ngram.hpp"
#include "infobound/estimate/soft_assign.hpp"
#include "infobound/io/unit_store.hpp"
#include "infobound/models/causal_lm.hpp"
#include "infobound/pipeline/planner.hpp"
#include "infobound/pipeline/run_status.hpp"
#include "infobound/pipeline/task_map.hpp"
#include "label_plan.hpp"

namespace infobound::pipeline {
namespace fs = std::filesystem;
namespace {

at::ScalarType compute_dtype(const std::string& name) {
  if (name == "bfloat16") return at::kBFloat16;
  if (name == "float16") return at::kHalf;
  return at::kFloat;
}

// What one worker keeps between units: token caches, singleton sets and the last model.
class UnitContext {
 public:
  UnitContext(const PlannedRun& run_plan, const RunDir& run) : config_(run_plan.config), plan_(run_plan.plan), run_(run) {}

  const corpus::TokenizedCorpus& tokens(const std::string& tokenizer_id) {
    auto it = tokens_.find(tokenizer_id);
    if (it == tokens_.end()) {
      const PlanTokenizer& tokenizer = plan_.tokenizer(tokenizer_id);
      it = tokens_.emplace(tokenizer_id, corpus::read_token_cache(run_.token_cache(tokenizer_id), token_cache_info(config_, plan_, tokenizer))).first;
    }
    return it->second;
  }

  // Label keys seen once in the whole corpus: the same for every unit of a tokenizer, so folding
  // them keeps shards mergeable and results independent of the sharding of work.
  const std::vector<std::shared_ptr<const estimate::KeyIndex>>& singletons(const std::string& tokenizer_id) {
    auto it = singletons_.find(tokenizer_id);
    if (it != singletons_.end()) return it->second;
    const corpus::TokenizedCorpus& corpus = tokens(tokenizer_id);
    const estimate::LabelPlan label_plan = label_plan_of(config_);
    estimate::LabelCounter counter(label_plan.specs());
    for (int64_t s = 0; s < corpus.n_sequences(); ++s) {
      const estimate::SequenceTokens sequence{corpus.sequence(s), corpus.sequence_preference(s), 0};
      const estimate::BatchRows rows = estimate::select_rows(std::span(&sequence, 1), static_cast<int64_t>(sequence.ids.size()), label_plan);
      if (rows.size() > 0) counter.add(rows.labels, rows.valid);
    }
    auto singles = counter.singletons();
    // Preference labels are binary: folding them would only lose the two classes.
    const auto specs = label_plan.specs();
    for (std::size_t k = 0; k < specs.size(); ++k)
      if (specs[k].name == "preference") singles[k] = nullptr;
    return singletons_.emplace(tokenizer_id, std::move(singles)).first->second;
  }

  std::shared_ptr<models::CausalLM> model(const fs::path& dir) {
    if (model_ && model_dir_ == dir) return model_;
    model_.reset();  // free the previous weights before loading the next ones
    models::LoadOptions options;
    options.dtype = compute_dtype(config_.runtime.dtype);
    options.device = at::Device(config_.runtime.device);
    model_ = models::CausalLM::load(dir, options);
    model_->eval();
    model_dir_ = dir;
    return model_;
  }

 private:
  const StudyConfig& config_;
  const Plan& plan_;
  const RunDir& run_;
  std::map<std::string, corpus::TokenizedCorpus> tokens_;
  std::map<std::string, std::vector<std::shared_ptr<const estimate::KeyIndex>>> singletons_;
  std::shared_ptr<models::CausalLM> model_;
  fs::path model_dir_;
};

io::UnitData compute_unit(const StudyConfig& config, const Plan& plan, const PlanUnit& unit, UnitContext& context, Progress& progress) {
  const corpus::TokenizedCorpus& corpus = context.tokens(unit.tokenizer_id);
  const auto [begin, end] = corpus::shard_range(corpus.n_sequences(), unit.shard, unit.n_shards);
  int64_t unit_tokens = 0;
  for (int64_t s = begin; s < end; ++s) unit_tokens += static_cast<int64_t>(corpus.sequence(s).size());
  progress.start_unit(unit.id, unit_tokens);

  const auto model = context.model(unit.model_dir);
  const models::ModelInfo& info = model->info();
  const std::vector<int64_t> layers = config.estimator.layers.resolve(model->num_hidden_states(), unit.model);
  std::vector<int> slot_of_layer(static_cast<std::size_t>(model->num_hidden_states()), -1);
  for (std::size_t i = 0; i < layers.size(); ++i) slot_of_layer[static_cast<std::size_t>(layers[i])] = static_cast<int>(i);

  const estimate::LabelPlan label_plan = label_plan_of(config);
  estimate::MultiLayerAccumulator accumulator(config.estimator.n_bins, static_cast<int64_t>(layers.size()), label_plan.specs());
  if (config.estimator.fold_singletons) accumulator.fold_singletons(context.singletons(unit.tokenizer_id));
  const estimate::Calibration calibration = estimate::Calibration::parse(config.estimator.calibration);
  const double eps = estimate::calibrate_eps(config.estimator.n_bins, info.hidden_size, calibration);
  const estimate::SoftAssigner assigner(estimate::reference_points(config.estimator.n_bins, info.hidden_size, config.estimator.seed), eps);
  const at::Device device = model->device();

  double loss_sum = 0;
  int64_t loss_count = 0;
  const int64_t batch_size = config.runtime.batch_size;
  at::NoGradGuard no_grad;
  for (int64_t first = begin; first < end; first += batch_size) {
    throw_if_stop_requested("at a batch boundary of unit " + unit.id);
    const int64_t last = std::min(end, first + batch_size);
    const int64_t rows_in_batch = last - first;
    int64_t padded = 0;
    std::vector<estimate::SequenceTokens> sequences;
    for (int64_t s = first; s < last; ++s) {
      sequences.push_back({corpus.sequence(s), corpus.sequence_preference(s), 0});
      padded = std::max<int64_t>(padded, static_cast<int64_t>(corpus.sequence(s).size()));
    }
    // Right padding with id 0 under a zero mask, as the fixtures' HF runs do.
    at::Tensor ids = at::zeros({rows_in_batch, padded}, at::kLong);
    at::Tensor mask = at::zeros({rows_in_batch, padded}, at::kLong);
    int64_t batch_tokens = 0;
    for (int64_t b = 0; b < rows_in_batch; ++b) {
      const auto sequence = sequences[static_cast<std::size_t>(b)].ids;
      std::copy(sequence.begin(), sequence.end(), ids.data_ptr<int64_t>() + b * padded);
      std::fill_n(mask.data_ptr<int64_t>() + b * padded, sequence.size(), int64_t{1});
      batch_tokens += static_cast<int64_t>(sequence.size());
    }
    const estimate::BatchRows rows = estimate::select_rows(sequences, padded, label_plan);
    if (rows.size() > 0) accumulator.set_labels(rows.labels, rows.valid);
    const at::Tensor flat_index = rows.flat_index.to(device);
    const models::HiddenCallback on_hidden = [&](int layer, const at::Tensor& hidden) {
      const int slot = slot_of_layer[static_cast<std::size_t>(layer)];
      if (slot < 0 || rows.size() == 0) return;
      const at::Tensor z = hidden.reshape({-1, hidden.size(-1)}).index_select(0, flat_index);
      accumulator.add_layer(slot, assigner.assign(z));
    };
    models::ForwardOptions forward_options;
    forward_options.compute_logits = config.runtime.compute_loss;
    const at::Tensor logits = model->forward(ids.to(device), mask.to(device), on_hidden, forward_options);
    if (config.runtime.compute_loss && padded > 1) {
      // Position t predicts token t+1 over real tokens; summed in float64 in position order so the
      // result does not depend on thread counts.
      const at::Tensor log_probs = at::log_softmax(logits.slice(1, 0, padded - 1).to(at::kFloat), -1);
      const at::Tensor targets = ids.slice(1, 1, padded).to(device).unsqueeze(-1);
      const at::Tensor nll = (-log_probs.gather(-1, targets).squeeze(-1)).to(at::kCPU, at::kDouble).contiguous();
      const double* values = nll.data_ptr<double>();
      for (int64_t b = 0; b < rows_in_batch; ++b) {
        const auto length = static_cast<int64_t>(sequences[static_cast<std::size_t>(b)].ids.size());
        for (int64_t t = 0; t + 1 < length; ++t) loss_sum += values[b * (padded - 1) + t];
        loss_count += std::max<int64_t>(0, length - 1);
      }
    }
    progress.add_tokens(batch_tokens);
  }

  io::UnitData data;
  io::UnitHeader& h = data.header;
  h.unit_id = unit.id;
  h.model = unit.model;
  h.checkpoint = unit.checkpoint;
  h.reference = unit.reference;
  h.tokenizer_id = unit.tokenizer_id;
  h.shard = unit.shard;
  h.n_shards = unit.n_shards;
  h.config_hash = plan.config_hash;
  h.n_bins = config.estimator.n_bins;
  h.seed = static_cast<int64_t>(config.estimator.seed);
  h.eps = eps;
  h.calibration = calibration.to_string();
  h.window = label_plan.window_name();
  h.d = info.hidden_size;
  h.n_parameters = info.n_parameters;
  h.n_layers = info.n_layers;
  h.n_tokens = unit_tokens;
  h.n_sequences = end - begin;
  h.loss_sum = loss_sum;
  h.loss_count = loss_count;
  h.infobound_version = kVersion;
  h.config_yaml = config.yaml_text;
  for (std::size_t i = 0; i < layers.size(); ++i) {
    io::LayerCounts counts;
    static_cast<estimate::LayerState&>(counts) = accumulator.layer_state(static_cast<int64_t>(i));
    counts.layer = layers[i];
    data.layers.push_back(std::move(counts));
  }
  return data;
}

void remove_stale_temporaries(const RunDir& run, const PlanUnit& unit) {
  const std::string prefix = unit.id + ".h5.tmp.";
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(run.units_dir(), error))
    if (entry.path().filename().string().rfind(prefix, 0) == 0) fs::remove(entry.path(), error);
}

int64_t choose_threads(const StudyConfig& config, const ExtractOptions& options) {
  if (options.threads > 0) return options.threads;
  if (config.runtime.threads > 0) return config.runtime.threads;
  return threads_for_job_cpus(options.local_ranks);
}

std::string slurm_job_label() {
  const char* job = std::getenv("SLURM_JOB_ID");
  if (!job || !*job) return "";
  std::string label = job;
  const char* array_job = std::getenv("SLURM_ARRAY_JOB_ID");
  const char* array_task = std::getenv("SLURM_ARRAY_TASK_ID");
  if (array_job && *array_job && array_task && *array_task) label = std::string(array_job) + "_" + array_task + " (job " + job + ")";
  return label;
}

}  // namespace

int64_t cpus_of_job() {
  cpu_set_t mask;
  CPU_ZERO(&mask);
  int64_t cpus = 0;
  if (::sched_getaffinity(0, sizeof mask, &mask) == 0) cpus = CPU_COUNT(&mask);
  if (cpus <= 0) cpus = static_cast<int64_t>(std::max(1u, std::thread::hardware_concurrency()));
  return cpus;
}

int64_t threads_for_job_cpus(int local_ranks) {
  const int64_t cpus = cpus_of_job();
  // Slurm gives each task (rank) SLURM_CPUS_PER_TASK CPUs; the affinity mask may be the rank's own
  // (srun with task/affinity) or the whole allocation (mpirun, task/none), so it only caps.
  if (const char* per_task = std::getenv("SLURM_CPUS_PER_TASK"); per_task && *per_task) {
    char* end = nullptr;
    const long value = std::strtol(per_task, &end, 10);
    if (end != per_task && *end == '\0' && value > 0) return std::max<int64_t>(1, std::min<int64_t>(value, cpus));
  }
  return std::max<int64_t>(1, cpus / std::max(1, local_ranks));
}

namespace {
std::string identity_problem(const fs::path& path, const io::UnitHeader& header, const PlanUnit& unit) {
  if (header.unit_id != unit.id) return path.string() + ": holds unit " + header.unit_id;
  if (header.reference != unit.reference) return path.string() + ": made from " + header.reference + ", the plan now uses " + unit.reference;
  return "";
}
}  // namespace

std::string unit_file_problem(const RunDir& run, const Plan& plan, const PlanUnit& unit) {
  const fs::path path = run.unit(unit.id);
  try {
    return identity_problem(path, io::read_unit_file(path, plan.config_hash).header, unit);
  } catch (const io::UnitFileError& e) {
    return e.what();
  }
}

std::string unit_header_problem(const RunDir& run, const Plan& plan, const PlanUnit& unit) {
  const fs::path path = run.unit(unit.id);
  std::error_code error;
  if (!fs::exists(path, error)) return path.string() + ": missing";
  try {
    return identity_problem(path, io::read_unit_header(path, plan.config_hash), unit);
  } catch (const io::UnitFileError& e) {
    return e.what();
  }
}

ExtractSummary extract_units(const PlannedRun& run_plan, const RunDir& run, const dist::Worker& worker, const ExtractOptions& options) {
  const StudyConfig& config = run_plan.config;
  const Plan& plan = run_plan.plan;
  ExtractSummary summary;
  const auto start = std::chrono::steady_clock::now();
  at::set_num_threads(static_cast<int>(choose_threads(config, options)));
  fs::create_directories(run.units_dir());

  std::vector<const PlanUnit*> mine;
  int64_t my_tokens = 0;
  for (const int64_t index : units_of_worker(plan, worker, options.task_map)) {
    const PlanUnit& unit = plan.units[static_cast<std::size_t>(index)];
    mine.push_back(&unit);
    const PlanTokenizer& tokenizer = plan.tokenizer(unit.tokenizer_id);
    const auto [b, e] = corpus::shard_range(tokenizer.n_sequences, unit.shard, unit.n_shards);
    my_tokens += tokenizer.n_tokens * (e - b) / std::max<int64_t>(1, tokenizer.n_sequences);  // estimate, for the ETA
  }
  summary.owned = static_cast<int64_t>(mine.size());
  log::info(worker.describe() + ": " + std::to_string(mine.size()) + " of " + std::to_string(plan.units.size()) + " units, " +
            std::to_string(at::get_num_threads()) + " torch threads");

  ProgressOptions progress_options;
  progress_options.terminal = ::isatty(STDERR_FILENO) != 0;
  progress_options.show_bar = options.show_bar;
  progress_options.heartbeat_seconds = config.runtime.heartbeat_seconds;
  progress_options.count_done_globally = [&run, &plan] {
    int64_t done = 0;
    std::error_code error;
    for (const auto& unit : plan.units) done += fs::exists(run.unit(unit.id), error);
    return done;
  };
  Progress progress(summary.owned, my_tokens, progress_options);
  const bool in_array = options.task_map != nullptr || worker.array_count > 1;
  WorkerHeartbeat base;
  base.worker = worker_name(worker.array_task, worker.rank, in_array);
  base.slurm_job = slurm_job_label();
  base.units_owned = summary.owned;
  base.interval_seconds = config.runtime.heartbeat_seconds;
  HeartbeatWriter heartbeat(run, base, [&progress](WorkerHeartbeat& h) {
    const ProgressSnapshot snap = progress.snapshot();
    h.current_unit = snap.current_unit;
    h.units_done = snap.units_done;
    h.units_failed = snap.units_failed;
    h.tokens_per_second = snap.tokens_per_second;
    h.eta_seconds = snap.eta_seconds;
  });
  UnitContext context(run_plan, run);
  try {
    for (const PlanUnit* unit : mine) {
      throw_if_stop_requested("before unit " + unit->id);
      const fs::path path = run.unit(unit->id);
      std::error_code error;
      if (fs::exists(path, error)) {
        // Unit files are renamed into place only when complete, so the header tells whether one is
        // this plan's; reduce verifies every checksum when it reads the data.
        const std::string problem = unit_header_problem(run, plan, *unit);
        if (problem.empty()) {
          progress.start_unit(unit->id, 0);
          progress.finish_unit(true);
          clear_unit_failure(run, unit->id);
          ++summary.skipped;
          continue;
        }
        log::warn("unit " + unit->id + " will be recomputed: " + problem);
        ++summary.recomputed;
        fs::remove(path, error);
      }
      remove_stale_temporaries(run, *unit);
      try {
        io::UnitData data = compute_unit(config, plan, *unit, context, progress);
        summary.tokens += data.header.n_tokens;
        // The last check before the rename: a stop requested during the final batch still lands
        // here with a complete unit, which is kept.
        io::write_unit_file(path, std::move(data));
      } catch (const Interrupted&) {
        throw;
      } catch (...) {
        // One unit that cannot be done (missing revision, unreadable weights, out of memory) is
        // recorded and the worker goes on with its other units; the command exits 4 at the end.
        const UnitFailure failure = describe_failure(unit->id, std::current_exception(), base.worker);
        record_unit_failure(run, failure);
        log::error("unit " + unit->id + " failed (" + failure.reason + "): " + failure.message);
        summary.failed_units.push_back(unit->id);
        progress.fail_unit();
        remove_stale_temporaries(run, *unit);
        continue;
      }
      clear_unit_failure(run, unit->id);
      ++summary.computed;
      progress.finish_unit(false);
    }
  } catch (const Interrupted&) {
    progress.close();
    heartbeat.finish("interrupted");
    throw;
  }
  progress.close();
  heartbeat.finish(summary.failed_units.empty() ? "finished" : "failed_units");
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return summary;
}

}  // namespace infobound::pipeline
