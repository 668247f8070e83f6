#include "infobound/eval/evaluate_run.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <optional>
#include <set>

#include <ATen/Parallel.h>

#include "infobound/core/atomic_file.hpp"
#include "infobound/core/error.hpp"
#include "infobound/core/log.hpp"
#include "infobound/core/sha256.hpp"
#include "infobound/io/json_file.hpp"

namespace infobound::eval {
namespace fs = std::filesystem;

namespace {

constexpr int kEvalVersion = 1;  // bump when the scoring changes: earlier results are then recomputed

// A file name from a model or checkpoint name ("ORG/NAME" -> "ORG__NAME").
std::string path_part(const std::string& name) {
  std::string s;
  for (const char c : name) s += c == '/' ? std::string("__") : std::string(1, c);
  return s.empty() ? "_" : s;
}

nlohmann::json source_identity(const CorpusSource& source) {
  return {{"path", source.path.string()},
          {"sha256", sha256_file(corpus::source_file(source))},
          {"format", static_cast<int>(source.format)},
          {"split", static_cast<int>(source.split)},
          {"text_field", source.text_field},
          {"skip_documents", source.skip_documents},
          {"max_documents", source.max_documents ? nlohmann::json(*source.max_documents) : nlohmann::json()}};
}

// The weights' identity without reading them: names, sizes and modification times.
nlohmann::json weights_identity(const fs::path& dir) {
  nlohmann::json files = nlohmann::json::array();
  std::vector<fs::path> paths;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.is_regular_file()) paths.push_back(entry.path());
  std::sort(paths.begin(), paths.end());
  for (const auto& p : paths)
    files.push_back({p.filename().string(), static_cast<int64_t>(fs::file_size(p)),
                     static_cast<int64_t>(fs::last_write_time(p).time_since_epoch().count())});
  return {{"dir", dir.string()}, {"files", files}};
}

struct Checkpoint {
  const PlanUnit* unit;
  fs::path tokenizer;
};

// The longest window a model takes (config.json max_position_embeddings), or 0 when not stated.
int64_t model_context(const models::CausalLM& model) {
  const auto& c = model.config();
  if (c.contains("max_position_embeddings") && c["max_position_embeddings"].is_number_integer())
    return c["max_position_embeddings"].get<int64_t>();
  return 0;
}

}  // namespace

fs::path results_dir(const fs::path& run_root, const std::string& benchmark) { return run_root / "eval" / path_part(benchmark); }

nlohmann::json lm_eval_results_json(const std::string& model, const std::string& checkpoint,
                                    const std::vector<NamedScore>& scores, int64_t batch_size, const nlohmann::json& provenance) {
  nlohmann::json results = nlohmann::json::object(), versions = nlohmann::json::object(), n_shot = nlohmann::json::object(),
                 n_samples = nlohmann::json::object();
  for (const auto& s : scores) {
    nlohmann::json r{{"alias", s.task}, {"acc,none", s.score.acc}, {"acc_stderr,none", s.score.acc_stderr}};
    if (s.score.has_norm) r["acc_norm,none"] = s.score.acc_norm, r["acc_norm_stderr,none"] = s.score.acc_norm_stderr;
    if (s.score.has_perplexity) r["perplexity,none"] = s.score.perplexity, r["perplexity_stderr,none"] = "N/A";
    results[s.task] = r;
    versions[s.task] = static_cast<double>(kEvalVersion);
    n_shot[s.task] = 0;
    n_samples[s.task] = {{"original", s.score.n}, {"effective", s.score.n}};
  }
  return {{"results", results},
          {"versions", versions},
          {"n-shot", n_shot},
          {"n-samples", n_samples},
          {"config",
           {{"model", "infobound"},
            {"model_args", "pretrained=" + model + ",revision=" + checkpoint},
            {"batch_size", batch_size},
            {"device", "cpu"},
            {"limit", nullptr},
            {"bootstrap_iters", 0}}},
          {"model_name", model},
          {"infobound", provenance}};
}

EvalSummary evaluate_run(const pipeline::PlannedRun& planned, const pipeline::RunDir& run, int rank, int size, int64_t threads) {
  const auto start = std::chrono::steady_clock::now();
  EvalSummary summary;
  std::vector<const BenchmarkSpec*> benchmarks;
  for (const auto& b : planned.config.benchmarks)
    if (b.format == "infobound_eval") benchmarks.push_back(&b);
  if (benchmarks.empty()) return summary;

  // Checkpoints in plan order (the first shard of each stands for it).
  std::vector<Checkpoint> checkpoints;
  std::set<std::pair<std::string, std::string>> seen;
  for (const auto& unit : planned.plan.units)
    if (seen.insert({unit.model, unit.checkpoint}).second)
      checkpoints.push_back({&unit, planned.plan.tokenizer(unit.tokenizer_id).path});

  // Documents are read once; everything that changes a score enters the fingerprint.
  std::map<std::string, std::vector<corpus::Document>> documents;  // "<benchmark>/<task>"
  nlohmann::json task_identity = nlohmann::json::object();
  for (const auto* b : benchmarks) {
    nlohmann::json tasks = nlohmann::json::array();
    for (const auto& task : b->tasks) {
      corpus::ReadStats stats;
      auto docs = corpus::read_documents(task.source, planned.config.corpus.replace_invalid_utf8, stats);
      if (docs.empty()) throw InputError(task.source.path.string() + ": eval task '" + task.name + "' has no documents");
      documents[b->name + "/" + task.name] = std::move(docs);
      tasks.push_back(
          {{"name", task.name}, {"kind", task.kind}, {"window", task.window}, {"source", source_identity(task.source)}});
    }
    task_identity[b->name] = tasks;
  }
  if (threads <= 0) threads = planned.config.runtime.threads;
  if (threads > 0) at::set_num_threads(static_cast<int>(threads));
  const int64_t batch_size = std::max<int64_t>(1, planned.config.runtime.batch_size);

  for (std::size_t i = 0; i < checkpoints.size(); ++i) {
    if (static_cast<int>(i % static_cast<std::size_t>(size)) != rank) continue;
    const PlanUnit& unit = *checkpoints[i].unit;
    const nlohmann::json weights = weights_identity(unit.model_dir);
    std::shared_ptr<models::CausalLM> model;
    std::optional<tokenize::Tokenizer> tokenizer;
    for (const auto* b : benchmarks) {
      const fs::path file = results_dir(run.root, b->name) / path_part(unit.model) / (path_part(unit.checkpoint) + ".json");
      const std::string fingerprint = sha256_hex(nlohmann::json{
          {"version", kEvalVersion},
          {"tasks", task_identity[b->name]},
          {"weights", weights},
          {"tokenizer", sha256_file(checkpoints[i].tokenizer)},
          {"batch_size", batch_size}}.dump());
      if (fs::exists(file)) {
        try {
          const auto old = io::read_json_file(file);
          if (old.contains("infobound") && old["infobound"].value("fingerprint", "") == fingerprint) {
            ++summary.kept;
            summary.files.push_back(file);
            continue;
          }
        } catch (const InputError&) {
          // unreadable: score again
        }
      }
      if (!model) {
        model = models::CausalLM::load(unit.model_dir);
        tokenizer = tokenize::Tokenizer::from_file(checkpoints[i].tokenizer);
      }
      const int64_t context = model_context(*model);
      std::vector<NamedScore> scores;
      nlohmann::json task_notes = nlohmann::json::object();
      for (const auto& task : b->tasks) {
        const int64_t window = context > 0 ? std::min(task.window, context) : task.window;
        const auto& docs = documents[b->name + "/" + task.name];
        NamedScore named{task.name, task.kind, {}};
        if (task.kind == "next_line_cloze")
          named.score = score_cloze(*model, tokenize_cloze(next_line_items(docs), *tokenizer, window), batch_size);
        else named.score = score_next_token(*model, next_token_windows(docs, *tokenizer, window), batch_size);
        if (named.score.n == 0)
          throw InputError(task.source.path.string() + ": eval task '" + task.name + "' yields no items for " + unit.model + "@" +
                           unit.checkpoint + " (documents too short for a " + task.kind + " item?)");
        task_notes[task.name] = {{"kind", task.kind}, {"window", window}, {"documents", docs.size()}, {"items", named.score.n}};
        scores.push_back(named);
      }
      const nlohmann::json provenance{{"fingerprint", fingerprint},
                                      {"eval_version", kEvalVersion},
                                      {"model_dir", unit.model_dir.string()},
                                      {"study", planned.plan.study},
                                      {"benchmark", b->name},
                                      {"tasks", task_notes},
                                      {"step", unit.step ? nlohmann::json(*unit.step) : nlohmann::json()},
                                      {"tokens_seen", unit.tokens_seen ? nlohmann::json(*unit.tokens_seen) : nlohmann::json()}};
      fs::create_directories(file.parent_path());
      write_file_atomically(file,
                            lm_eval_results_json(unit.model, unit.checkpoint, scores, batch_size, provenance).dump(2) + "\n");
      std::string line = "eval " + unit.model + "@" + unit.checkpoint + ":";
      for (const auto& s : scores) {
        char buffer[96];
        std::snprintf(buffer, sizeof buffer, " %s acc %.4f (n %lld)", s.task.c_str(), s.score.acc,
                      static_cast<long long>(s.score.n));
        line += buffer;
      }
      log::info(line);
      ++summary.scored;
      summary.files.push_back(file);
    }
  }
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return summary;
}

}  // namespace infobound::eval
