#include "infobound/pipeline/extract.hpp"

#include <sched.h>
#include <unistd.h>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <ATen/detail/CUDAHooksInterface.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <map>
#include <memory>
#include <thread>

#include "infobound/core/blas.hpp"
#include "infobound/core/error.hpp"
#include "infobound/core/log.hpp"
#include "infobound/core/progress.hpp"
#include "infobound/core/signals.hpp"
#include "infobound/core/version.hpp"
#include "infobound/corpus/token_cache.hpp"
#include "infobound/dist/team.hpp"
#include "infobound/estimate/accumulator.hpp"
#include "infobound/estimate/calibration.hpp"
#include "infobound/estimate/ngram.hpp"
#include "infobound/estimate/soft_assign.hpp"
#include "infobound/io/label_tables.hpp"
#include "infobound/io/unit_store.hpp"
#include "infobound/models/causal_lm.hpp"
#include "infobound/pipeline/planner.hpp"
#include "infobound/pipeline/run_status.hpp"
#include "infobound/pipeline/task_map.hpp"
#include "label_census.hpp"
#include "label_plan.hpp"
#include "unit_exchange.hpp"

namespace infobound::pipeline {
namespace fs = std::filesystem;
namespace {

at::ScalarType compute_dtype(const std::string& name) {
  if (name == "bfloat16") return at::kBFloat16;
  if (name == "float16") return at::kHalf;
  return at::kFloat;
}

// What one worker keeps between units: token caches, kept label keys and the last model.
class UnitContext {
 public:
  UnitContext(const PlannedRun& run_plan, const RunDir& run, std::string device)
      : config_(run_plan.config), plan_(run_plan.plan), run_(run), device_(std::move(device)) {}

  const corpus::TokenizedCorpus& tokens(const std::string& tokenizer_id) {
    auto it = tokens_.find(tokenizer_id);
    if (it == tokens_.end()) {
      const PlanTokenizer& tokenizer = plan_.tokenizer(tokenizer_id);
      it = tokens_
               .emplace(tokenizer_id,
                        corpus::read_token_cache(run_.token_cache(tokenizer_id), token_cache_info(config_, plan_, tokenizer)))
               .first;
    }
    return it->second;
  }

  // Per label set the keys seen more than once in the whole corpus that this member owns: the
  // same for every unit of a tokenizer. Keys seen once are folded (DESIGN.md section 4).
  const std::vector<std::shared_ptr<const estimate::KeyIndex>>& kept_keys(const std::string& tokenizer_id, int64_t owner,
                                                                          int64_t n_owners) {
    auto it = kept_.find(tokenizer_id);
    if (it != kept_.end()) return it->second;
    const estimate::LabelCounter counter = count_corpus_labels(config_, tokens(tokenizer_id), owner, n_owners);
    auto kept = counter.kept_keys();
    // Preference labels are binary: folding them would only lose the two classes.
    const auto specs = label_plan_of(config_).specs();
    for (std::size_t k = 0; k < specs.size(); ++k)
      if (specs[k].name == "preference") kept[k] = nullptr;
    return kept_.emplace(tokenizer_id, std::move(kept)).first->second;
  }

  std::shared_ptr<models::CausalLM> model(const fs::path& dir) {
    if (model_ && model_dir_ == dir) return model_;
    model_.reset();  // free the previous weights before loading the next ones
    models::LoadOptions options;
    options.dtype = compute_dtype(config_.runtime.dtype);
    options.device = at::Device(device_);
    model_ = models::CausalLM::load(dir, options);
    model_->eval();
    model_dir_ = dir;
    return model_;
  }

 private:
  const StudyConfig& config_;
  const Plan& plan_;
  const RunDir& run_;
  const std::string device_;  // runtime.device, or this rank's GPU (device_for_local_rank)
  std::map<std::string, corpus::TokenizedCorpus> tokens_;
  std::map<std::string, std::vector<std::shared_ptr<const estimate::KeyIndex>>> kept_;
  std::shared_ptr<models::CausalLM> model_;
  fs::path model_dir_;
};

// One batch of sequences, right-padded with id 0 under a zero mask, as the fixtures' HF runs do.
struct Batch {
  std::vector<estimate::SequenceTokens> sequences;
  at::Tensor ids, mask;
  int64_t padded = 0;
  int64_t tokens = 0;
};

Batch make_batch(const corpus::TokenizedCorpus& corpus, int64_t first, int64_t last) {
  Batch batch;
  for (int64_t s = first; s < last; ++s) {
    batch.sequences.push_back({corpus.sequence(s), corpus.sequence_preference(s), 0});
    batch.padded = std::max<int64_t>(batch.padded, static_cast<int64_t>(corpus.sequence(s).size()));
  }
  const int64_t rows = last - first;
  batch.ids = at::zeros({rows, batch.padded}, at::kLong);
  batch.mask = at::zeros({rows, batch.padded}, at::kLong);
  for (int64_t b = 0; b < rows; ++b) {
    const auto sequence = batch.sequences[static_cast<std::size_t>(b)].ids;
    std::copy(sequence.begin(), sequence.end(), batch.ids.data_ptr<int64_t>() + b * batch.padded);
    std::fill_n(batch.mask.data_ptr<int64_t>() + b * batch.padded, sequence.size(), int64_t{1});
    batch.tokens += static_cast<int64_t>(sequence.size());
  }
  return batch;
}

// Position t predicts token t+1 over real tokens; each term is added exactly, so the sum does not
// depend on threads, ranks or batch order.
void add_loss(const at::Tensor& logits, const Batch& batch, const at::Device& device, ExactSum& loss_sum, int64_t& loss_count) {
  if (batch.padded <= 1) return;
  const at::Tensor log_probs = at::log_softmax(logits.slice(1, 0, batch.padded - 1).to(at::kFloat), -1);
  const at::Tensor targets = batch.ids.slice(1, 1, batch.padded).to(device).unsqueeze(-1);
  const at::Tensor nll = (-log_probs.gather(-1, targets).squeeze(-1)).to(at::kCPU, at::kDouble).contiguous();
  const double* values = nll.data_ptr<double>();
  for (std::size_t b = 0; b < batch.sequences.size(); ++b) {
    const auto length = static_cast<int64_t>(batch.sequences[b].ids.size());
    for (int64_t t = 0; t + 1 < length; ++t) loss_sum.add(values[static_cast<int64_t>(b) * (batch.padded - 1) + t]);
    loss_count += std::max<int64_t>(0, length - 1);
  }
}

// The statistics of every member of the team, added exactly (the same on every member).
void combine_team_parts(const dist::Team& team, std::vector<LayerStatistics>& layers, ExactSum& loss_sum, int64_t& loss_count) {
  if (team.size() == 1) return;
  const auto parts = team.all_gather(encode_statistics(layers, loss_sum, loss_count));
  for (auto& layer : layers) {
    layer.n_rows = 0;
    std::fill(layer.bins.begin(), layer.bins.end(), 0);
    for (auto& set : layer.label_sets) {
      set.labelled_rows = set.distinct_keys = set.folded_rows = 0;
      std::fill(set.marginal.begin(), set.marginal.end(), 0);
      set.conditional = ExactSum{};
    }
  }
  loss_sum = ExactSum{};
  loss_count = 0;
  for (const auto& part : parts) decode_add_statistics(part, layers, loss_sum, loss_count);
}

struct UnitResult {
  io::UnitData data;
  std::vector<std::vector<estimate::LabelTable>> tables;  // per slot, per set (estimator.keep_tables)
};

// The hidden states a unit measures: its planned layer group, or (plans without groups) the
// config's layer selection; each must exist in the model as it is now.
std::vector<int64_t> unit_layers(const StudyConfig& config, const PlanUnit& unit, const models::CausalLM& model) {
  std::vector<int64_t> layers = unit.layers;
  if (layers.empty()) layers = config.estimator.layers.resolve(model.num_hidden_states(), unit.model);
  for (const int64_t l : layers)
    if (l < 0 || l >= model.num_hidden_states())
      throw InputError("unit " + unit.id + ": hidden state " + std::to_string(l) + " is outside the model's 0.." +
                       std::to_string(model.num_hidden_states() - 1) + " (re-plan after changing the model)");
  return layers;
}

std::vector<std::vector<estimate::LabelTable>> kept_tables(const estimate::MultiLayerAccumulator& accumulator,
                                                           std::size_t n_layers, std::size_t n_sets) {
  std::vector<std::vector<estimate::LabelTable>> tables(n_layers);
  for (std::size_t i = 0; i < n_layers; ++i)
    for (std::size_t s = 0; s < n_sets; ++s)
      tables[i].push_back(accumulator.table(static_cast<int64_t>(i), static_cast<int64_t>(s)));
  return tables;
}

// What the estimator settled for a unit, recorded in its header.
struct UnitFacts {
  double eps = 0;
  std::string calibration;
  std::string window;
  int fixed_point_bits = 0;
};

io::UnitHeader unit_header(const StudyConfig& config, const Plan& plan, const PlanUnit& unit, const std::vector<int64_t>& layers,
                           const models::ModelInfo& info, const UnitFacts& facts, const corpus::TokenizedCorpus& corpus) {
  io::UnitHeader h;
  h.unit_id = unit.id;
  h.model = unit.model;
  h.checkpoint = unit.checkpoint;
  h.reference = unit.reference;
  h.tokenizer_id = unit.tokenizer_id;
  h.layers = layers;
  h.config_hash = plan.config_hash;
  h.n_bins = config.estimator.n_bins;
  h.seed = static_cast<int64_t>(config.estimator.seed);
  h.eps = facts.eps;
  h.calibration = facts.calibration;
  h.window = facts.window;
  h.d = info.hidden_size;
  h.fixed_point_bits = facts.fixed_point_bits;
  h.n_parameters = info.n_parameters;
  h.n_layers = info.n_layers;
  h.n_tokens = static_cast<int64_t>(corpus.ids.size());
  h.n_sequences = corpus.n_sequences();
  h.infobound_version = kVersion;
  h.config_yaml = config.yaml_text;
  return h;
}

UnitResult compute_unit(const StudyConfig& config, const Plan& plan, const PlanUnit& unit, UnitContext& context,
                        const dist::Team& team, estimate::AccumulateWorkers* workers, Progress& progress) {
  const corpus::TokenizedCorpus& corpus = context.tokens(unit.tokenizer_id);
  const int64_t n_sequences = corpus.n_sequences();
  const int64_t batch_size = config.runtime.batch_size;
  const int64_t n_batches = (n_sequences + batch_size - 1) / batch_size;
  int64_t my_tokens = 0;
  for (int64_t b = team.rank(); b < n_batches; b += team.size())
    for (int64_t s = b * batch_size; s < std::min(n_sequences, (b + 1) * batch_size); ++s)
      my_tokens += static_cast<int64_t>(corpus.sequence(s).size());
  progress.start_unit(unit.id, my_tokens);

  const auto model = context.model(unit.model_dir);
  const models::ModelInfo& info = model->info();
  const std::vector<int64_t> layers = unit_layers(config, unit, *model);
  std::vector<int> slot_of_layer(static_cast<std::size_t>(model->num_hidden_states()), -1);
  for (std::size_t i = 0; i < layers.size(); ++i) slot_of_layer[static_cast<std::size_t>(layers[i])] = static_cast<int>(i);
  const bool full_forward = layers.back() == model->num_hidden_states() - 1;
  const bool with_loss = config.runtime.compute_loss && full_forward;

  const estimate::LabelPlan label_plan = label_plan_of(config);
  const auto specs = label_plan.specs();
  const int64_t max_rows = std::max<int64_t>(1, static_cast<int64_t>(corpus.ids.size()));
  estimate::MultiLayerAccumulator accumulator(config.estimator.n_bins, layers, specs, max_rows);
  if (config.estimator.fold_singletons) accumulator.use_kept_keys(context.kept_keys(unit.tokenizer_id, team.rank(), team.size()));
  accumulator.use_workers(workers);
  const estimate::Calibration calibration = estimate::Calibration::parse(config.estimator.calibration);
  const double eps = estimate::calibrate_eps(config.estimator.n_bins, info.hidden_size, calibration);
  const estimate::SoftAssigner assigner(
      estimate::reference_points(config.estimator.n_bins, info.hidden_size, config.estimator.seed), eps);
  const at::Device device = model->device();
  const std::string where = "model " + unit.model + " checkpoint " + unit.checkpoint;

  ExactSum loss_sum;
  int64_t loss_count = 0;
  at::NoGradGuard no_grad;
  // Batches are fixed by sequence index; member m takes batches m, m + R, ... and every member
  // takes part in each round's exchange, with an empty batch when it has none left.
  for (int64_t round = 0; round * team.size() < n_batches; ++round) {
    throw_if_stop_requested("at a batch boundary of unit " + unit.id);
    const int64_t b = round * team.size() + team.rank();
    const bool has_batch = b < n_batches;
    const Batch batch = has_batch ? make_batch(corpus, b * batch_size, std::min(n_sequences, (b + 1) * batch_size)) : Batch{};
    const estimate::BatchRows rows =
        has_batch ? estimate::select_rows(batch.sequences, batch.padded, label_plan) : estimate::BatchRows{};
    const int64_t n_rows = has_batch ? rows.size() : 0;
    const bool local_tables = team.size() == 1;
    if (local_tables && n_rows > 0) accumulator.set_labels(rows.labels, rows.valid);
    std::vector<at::Tensor> routed_p(layers.size());
    if (has_batch) {
      const at::Tensor flat_index = rows.flat_index.to(device);
      const models::HiddenCallback on_hidden = [&](int layer, const at::Tensor& hidden) {
        const int slot = slot_of_layer[static_cast<std::size_t>(layer)];
        if (slot < 0 || n_rows == 0) return;
        const at::Tensor z = hidden.reshape({-1, hidden.size(-1)}).index_select(0, flat_index);
        const at::Tensor p = assigner.assign(z);
        const std::string at = where + " layer " + std::to_string(layer) + " batch " + std::to_string(b);
        accumulator.add_layer(slot, p, local_tables ? estimate::Parts::all : estimate::Parts::marginal, at);
        if (!local_tables) routed_p[static_cast<std::size_t>(slot)] = p.to(at::kCPU, at::kFloat);
      };
      models::ForwardOptions forward_options;
      forward_options.compute_logits = with_loss;
      forward_options.last_hidden_state = full_forward ? -1 : static_cast<int>(layers.back());
      const at::Tensor logits = model->forward(batch.ids.to(device), batch.mask.to(device), on_hidden, forward_options);
      if (with_loss) add_loss(logits, batch, device, loss_sum, loss_count);
      progress.add_tokens(batch.tokens);
    }
    if (!local_tables) {
      if (n_rows == 0)
        for (auto& p : routed_p) p = at::empty({0, config.estimator.n_bins}, at::kFloat);
      const auto received = team.exchange(route_label_rows(rows, routed_p, specs, team.size()));
      for (const auto& message : received) add_routed_rows(accumulator, message, where + " batch round " + std::to_string(round));
    }
  }
  accumulator.finish();

  UnitResult result;
  std::vector<LayerStatistics> statistics;
  for (std::size_t i = 0; i < layers.size(); ++i) statistics.push_back(accumulator.statistics(static_cast<int64_t>(i)));
  combine_team_parts(team, statistics, loss_sum, loss_count);
  if (config.estimator.keep_tables) result.tables = kept_tables(accumulator, layers.size(), specs.size());
  UnitFacts facts{eps, calibration.to_string(), label_plan.window_name(), accumulator.fixed_point_bits()};
  result.data.header = unit_header(config, plan, unit, layers, info, facts, corpus);
  result.data.header.loss_sum = loss_sum;
  result.data.header.loss_count = loss_count;
  result.data.layers = std::move(statistics);
  return result;
}

void remove_stale_temporaries(const RunDir& run, const PlanUnit& unit) {
  const std::string prefix = unit.id + ".h5.tmp.";
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(run.units_dir(), error))
    if (entry.path().filename().string().rfind(prefix, 0) == 0) fs::remove(entry.path(), error);
}

// GPUs this process sees (CUDA_VISIBLE_DEVICES applied); asked only when the config wants CUDA.
int64_t visible_gpus(const StudyConfig& config) {
  if (config.runtime.device.rfind("cuda", 0) != 0 || !at::hasCUDA()) return 0;
  return at::detail::getCUDAHooks().getNumGPUs();
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
  if (array_job && *array_job && array_task && *array_task)
    label = std::string(array_job) + "_" + array_task + " (job " + job + ")";
  return label;
}

// Threads scattering into the label tables beside the forward (0: on the forward's thread). On a
// GPU the CPU is otherwise idle; on a CPU the forward already uses every core, and one scatter
// thread overlaps the single-threaded parts of the forward.
int64_t choose_accumulate_threads(const StudyConfig& config, const ExtractOptions& options) {
  if (config.runtime.accumulate_threads >= 0) return config.runtime.accumulate_threads;
  if (config.runtime.device == "cpu") return 1;
  // This rank's share of the CPUs (not the node's: under Slurm a rank may hold 4 of 64 cores).
  return std::max<int64_t>(1, threads_for_job_cpus(options.local_ranks) - 1);
}

void write_tables(const RunDir& run, const PlanUnit& unit, const dist::Team& team, const UnitResult& result) {
  std::vector<io::LabelTableRecord> records;
  for (std::size_t slot = 0; slot < result.tables.size(); ++slot)
    for (const auto& table : result.tables[slot])
      records.push_back({result.data.header.layers[slot], table.name, table.key_width, table.keys, table.counts, table.bins,
                         table.folded_rows});
  const fs::path path =
      run.tables_dir() / (unit.id + ".member-" + std::to_string(team.rank()) + "-of-" + std::to_string(team.size()) + ".h5");
  fs::create_directories(path.parent_path());
  io::write_label_tables(path, unit.id, result.data.header.n_bins, result.data.header.fixed_point_bits, records);
}

}  // namespace

std::string device_for_local_rank(const std::string& configured, int local_rank, int64_t visible_gpus) {
  if (configured != "cuda" || visible_gpus <= 1) return configured;
  return "cuda:" + std::to_string(std::max(0, local_rank) % visible_gpus);
}

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
  if (header.reference != unit.reference)
    return path.string() + ": made from " + header.reference + ", the plan now uses " + unit.reference;
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

ExtractSummary extract_units(const PlannedRun& run_plan, const RunDir& run, const dist::Worker& worker, const dist::Team& team,
                             const ExtractOptions& options) {
  const StudyConfig& config = run_plan.config;
  const Plan& plan = run_plan.plan;
  ExtractSummary summary;
  const auto start = std::chrono::steady_clock::now();
  at::set_num_threads(static_cast<int>(choose_threads(config, options)));
  fix_blas_threads_to_machine();
  fs::create_directories(run.units_dir());
  const bool lead = team.rank() == 0;

  std::vector<const PlanUnit*> mine;
  int64_t my_tokens = 0;
  for (const int64_t index : units_of_worker(plan, worker, options.task_map)) {
    const PlanUnit& unit = plan.units[static_cast<std::size_t>(index)];
    mine.push_back(&unit);
    my_tokens += std::max<int64_t>(0, plan.tokenizer(unit.tokenizer_id).n_tokens) / team.size();  // for the ETA
  }
  summary.owned = lead ? static_cast<int64_t>(mine.size()) : 0;
  const int64_t accumulate_threads = choose_accumulate_threads(config, options);
  const std::string device = device_for_local_rank(config.runtime.device, options.local_rank, visible_gpus(config));
  log::info(worker.describe() +
            (team.size() > 1 ? ", member " + std::to_string(team.rank()) + "/" + std::to_string(team.size()) : "") + ": " +
            std::to_string(mine.size()) + " of " + std::to_string(plan.units.size()) + " units, " +
            std::to_string(at::get_num_threads()) + " torch threads, " + std::to_string(accumulate_threads) +
            " accumulate threads, device " + device);

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
  Progress progress(static_cast<int64_t>(mine.size()), my_tokens, progress_options);
  const bool in_array = options.task_map != nullptr || worker.array_count > 1;
  WorkerHeartbeat base;
  base.worker =
      worker_name(worker.array_task, worker.rank, in_array) + (team.size() > 1 ? "-member" + std::to_string(team.rank()) : "");
  base.slurm_job = slurm_job_label();
  base.units_owned = static_cast<int64_t>(mine.size());
  base.interval_seconds = config.runtime.heartbeat_seconds;
  HeartbeatWriter heartbeat(run, base, [&progress](WorkerHeartbeat& h) {
    const ProgressSnapshot snap = progress.snapshot();
    h.current_unit = snap.current_unit;
    h.units_done = snap.units_done;
    h.units_failed = snap.units_failed;
    h.tokens_per_second = snap.tokens_per_second;
    h.eta_seconds = snap.eta_seconds;
  });
  UnitContext context(run_plan, run, device);
  std::unique_ptr<estimate::AccumulateWorkers> workers;
  if (accumulate_threads > 0) workers = std::make_unique<estimate::AccumulateWorkers>(accumulate_threads, 32);
  try {
    for (const PlanUnit* unit : mine) {
      throw_if_stop_requested("before unit " + unit->id);
      const fs::path path = run.unit(unit->id);
      std::error_code error;
      const bool exists = fs::exists(path, error);
      // Unit files are renamed into place only when complete, so the header tells whether one is
      // this plan's; reduce verifies every checksum when it reads the data.
      const std::string problem = exists ? unit_header_problem(run, plan, *unit) : std::string("missing");
      // Every member of a team decides alike: they compute the unit together.
      if (team.all(exists && problem.empty())) {
        progress.start_unit(unit->id, 0);
        progress.finish_unit(true);
        if (lead) clear_unit_failure(run, unit->id);
        summary.skipped += lead ? 1 : 0;
        continue;
      }
      if (lead) {
        if (exists) {
          log::warn("unit " + unit->id + " will be recomputed: " + problem);
          ++summary.recomputed;
          fs::remove(path, error);
        }
        remove_stale_temporaries(run, *unit);
      }
      try {
        UnitResult result = compute_unit(config, plan, *unit, context, team, workers.get(), progress);
        if (config.estimator.keep_tables) write_tables(run, *unit, team, result);
        if (lead) {
          summary.tokens += result.data.header.n_tokens;
          // The last check before the rename: a stop requested during the final batch still lands
          // here with a complete unit, which is kept.
          io::write_unit_file(path, std::move(result.data));
        }
      } catch (const Interrupted&) {
        throw;
      } catch (...) {
        // Ranks sharing a unit are in collective calls together: one failing member cannot be
        // left behind by the others, so the team stops (mpirun ends it) and a rerun resumes.
        if (team.size() > 1) throw;
        // One unit that cannot be done (unreadable weights, refused architecture, out of memory)
        // is recorded and the worker goes on with its other units; the command exits 4 at the end.
        const UnitFailure failure = describe_failure(unit->id, std::current_exception(), base.worker);
        record_unit_failure(run, failure);
        log::error("unit " + unit->id + " failed (" + failure.reason + "): " + failure.message);
        summary.failed_units.push_back(unit->id);
        progress.fail_unit();
        remove_stale_temporaries(run, *unit);
        continue;
      }
      if (lead) {
        clear_unit_failure(run, unit->id);
        ++summary.computed;
      }
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
