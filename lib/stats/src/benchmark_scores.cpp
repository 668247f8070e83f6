#include "infobound/stats/benchmark_scores.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include <nlohmann/json.hpp>

#include "infobound/core/error.hpp"
#include "infobound/io/csv_table.hpp"
#include "infobound/io/json_file.hpp"

namespace infobound::stats {
namespace {

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

const std::vector<std::string>& leaderboard_benchmarks() {
  static const std::vector<std::string> names{"IFEval", "BBH", "MATH Lvl 5", "GPQA", "MUSR", "MMLU-PRO"};
  return names;
}

// "key=value,key=value" (lm-eval model_args as a string).
std::map<std::string, std::string> parse_model_args(const std::string& text) {
  std::map<std::string, std::string> args;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto comma = text.find(',', start);
    const std::string part = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (const auto eq = part.find('='); eq != std::string::npos) args[trim(part.substr(0, eq))] = trim(part.substr(eq + 1));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return args;
}

}  // namespace

std::string strip_html(const std::string& text) {
  std::string out;
  bool in_tag = false;
  for (const char c : text) {
    if (c == '<') in_tag = true;
    else if (c == '>') in_tag = false;
    else if (!in_tag) out.push_back(c);
  }
  for (const auto& [entity, value] : std::vector<std::pair<std::string, std::string>>{
           {"&amp;", "&"}, {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&#39;", "'"}}) {
    for (std::size_t at; (at = out.find(entity)) != std::string::npos;) out.replace(at, entity.size(), value);
  }
  // The leaderboard appends a details link rendered as an emoji after the id.
  out = trim(out);
  if (const auto space = out.find_first_of(" \t"); space != std::string::npos) out = out.substr(0, space);
  return out;
}

BenchmarkSet read_leaderboard_csv(const std::filesystem::path& path, const BenchmarkReadOptions& options) {
  const auto table = io::CsvTable::read(path);
  BenchmarkSet set;
  const auto fullname = table.find_column("fullname");
  const auto model = table.find_column("Model");
  if (!fullname && !model) throw InputError(path.string() + ": neither a 'fullname' nor a 'Model' column");
  const auto precision = table.find_column("Precision");
  const auto submitted = table.find_column("Submission Date");
  std::vector<std::size_t> columns;
  for (const auto& name : leaderboard_benchmarks()) {
    const std::string column = options.raw_leaderboard_scores ? name + " Raw" : name;
    columns.push_back(table.column(column));
    set.benchmarks.push_back(name);
  }

  // Duplicate rule (several precisions or submissions of one model): the bfloat16 row wins,
  // then the latest submission date, then the first row of the file.
  std::map<std::string, std::size_t> chosen;
  auto rank = [&](std::size_t row) {
    const bool bf16 = precision && table.cell(row, *precision) == "bfloat16";
    return std::make_pair(bf16 ? 1 : 0, submitted ? table.cell(row, *submitted) : std::string());
  };
  std::vector<std::string> order;
  for (std::size_t r = 0; r < table.num_rows(); ++r) {
    std::string id = fullname ? trim(table.cell(r, *fullname)) : "";
    if (id.empty() && model) id = strip_html(table.cell(r, *model));
    if (id.empty()) throw InputError(path.string() + ":" + std::to_string(table.line_of(r)) + ": row without a model id");
    const auto [it, inserted] = chosen.try_emplace(id, r);
    if (inserted) {
      order.push_back(id);
      continue;
    }
    const std::size_t previous = it->second;
    if (rank(r) > rank(previous)) it->second = r;
    set.notes.push_back(id + ": rows at lines " + std::to_string(table.line_of(previous)) + " and " +
                        std::to_string(table.line_of(r)) + "; kept line " + std::to_string(table.line_of(it->second)) +
                        " (bfloat16 first, then the latest submission date, then the first row)");
  }
  for (const auto& id : order) {
    const std::size_t r = chosen[id];
    BenchmarkRecord record;
    record.model = id;
    record.source = path.filename().string() + ":" + std::to_string(table.line_of(r));
    for (std::size_t b = 0; b < columns.size(); ++b)
      if (const auto score = table.number(r, columns[b])) record.scores[set.benchmarks[b]] = *score;
    set.records.push_back(std::move(record));
  }
  return set;
}

BenchmarkSet read_score_csv(const std::filesystem::path& path) {
  const auto table = io::CsvTable::read(path);
  BenchmarkSet set;
  const std::size_t model = table.column("model");
  const auto checkpoint = table.find_column("checkpoint");
  std::vector<std::size_t> columns;
  for (std::size_t c = 0; c < table.header().size(); ++c) {
    const std::string& name = table.header()[c];
    if (c == model || (checkpoint && c == *checkpoint) || name == "family" || name == "notes") continue;
    columns.push_back(c);
    set.benchmarks.push_back(name);
  }
  if (columns.empty()) throw InputError(path.string() + ": no benchmark column besides 'model'/'checkpoint'");
  std::set<std::pair<std::string, std::string>> seen;
  for (std::size_t r = 0; r < table.num_rows(); ++r) {
    BenchmarkRecord record;
    record.model = trim(table.cell(r, model));
    if (checkpoint && !trim(table.cell(r, *checkpoint)).empty()) record.checkpoint = trim(table.cell(r, *checkpoint));
    record.source = path.filename().string() + ":" + std::to_string(table.line_of(r));
    if (!seen.insert({record.model, record.checkpoint.value_or("")}).second)
      throw InputError(path.string() + ":" + std::to_string(table.line_of(r)) + ": model '" + record.model +
                       "' appears twice (one row per model and checkpoint)");
    for (std::size_t b = 0; b < columns.size(); ++b)
      if (const auto score = table.number(r, columns[b])) record.scores[set.benchmarks[b]] = *score;
    set.records.push_back(std::move(record));
  }
  return set;
}

namespace {

struct TaskScore {
  std::string metric;
  double value;
};

// A score value: a finite number, or an error naming the file and the key (a string or a NaN
// where a score belongs is a damaged file, not a missing score).
double score_value(const nlohmann::json& value, const std::filesystem::path& path, const std::string& key) {
  if (!value.is_number() || !std::isfinite(value.get<double>()))
    throw InputError(path.string() + ": results." + key + " is " + value.dump() + ", expected a finite number");
  return value.get<double>();
}

// The metric of a task result: the first of the preferred names present (new-format keys are
// "metric,filter"; the "none" filter or the first filter is taken).
std::optional<TaskScore> pick_metric(const nlohmann::json& result, const std::vector<std::string>& preferred,
                                     const std::filesystem::path& path, const std::string& task) {
  if (!result.is_object()) return std::nullopt;
  for (const auto& name : preferred) {
    if (result.contains(name)) return TaskScore{name, score_value(result[name], path, task + "." + name)};
    if (result.contains(name + ",none"))
      return TaskScore{name, score_value(result[name + ",none"], path, task + "." + name + ",none")};
    for (const auto& [key, value] : result.items())
      if (key.rfind(name + ",", 0) == 0) return TaskScore{name, score_value(value, path, task + "." + key)};
  }
  return std::nullopt;
}

void read_one_lm_eval_file(const std::filesystem::path& path, const BenchmarkReadOptions& options, BenchmarkSet& set,
                           std::set<std::string>& benchmarks_seen) {
  const nlohmann::json j = io::read_json_file(path);
  if (!j.is_object() || !j.contains("results") || !j["results"].is_object())
    throw InputError(path.string() + ": not an lm-evaluation-harness results file (no \"results\" object)");
  BenchmarkRecord record;
  record.source = path.string();
  std::map<std::string, std::string> args;
  if (j.contains("config") && j["config"].is_object() && j["config"].contains("model_args")) {
    const auto& model_args = j["config"]["model_args"];
    if (model_args.is_string()) args = parse_model_args(model_args.get<std::string>());
    else if (model_args.is_object())
      for (const auto& [key, value] : model_args.items())
        if (value.is_string()) args[key] = value.get<std::string>();
  }
  if (args.count("pretrained")) record.model = args["pretrained"];
  else if (j.contains("model_name") && j["model_name"].is_string()) record.model = j["model_name"].get<std::string>();
  else throw InputError(path.string() + ": no model id (config.model_args 'pretrained=' or 'model_name')");
  if (args.count("revision") && !args["revision"].empty() && args["revision"] != "main") record.checkpoint = args["revision"];

  const auto& results = j["results"];
  std::set<std::string> names;
  for (const auto& [task, value] : results.items()) names.insert(task);
  // Sub-tasks ("crows_pairs_english_age" beside "crows_pairs_english", "mmlu_anatomy" beside
  // "mmlu") are left to their parent; the old harness' per-subject "hendrycksTest-*" tasks have no
  // parent and are averaged into "mmlu" (unweighted mean over subjects).
  auto is_subtask = [&](const std::string& task) {
    for (std::size_t cut = task.find_first_of("_-"); cut != std::string::npos; cut = task.find_first_of("_-", cut + 1))
      if (names.count(task.substr(0, cut))) return true;
    return false;
  };
  double mmlu_sum = 0;
  int mmlu_count = 0;
  std::string mmlu_metric;
  for (const auto& [task, value] : results.items()) {
    const auto score = pick_metric(value, options.metrics, path, task);
    const bool wanted =
        options.tasks.empty() || std::find(options.tasks.begin(), options.tasks.end(), task) != options.tasks.end();
    if (!score) continue;
    if (task.rfind("hendrycksTest-", 0) == 0 && options.tasks.empty()) {
      mmlu_sum += score->value;
      ++mmlu_count;
      mmlu_metric = score->metric;
      continue;
    }
    if (!wanted || (options.tasks.empty() && is_subtask(task))) continue;
    record.scores[task] = score->value;
    set.metric_of[task] = score->metric;
    if (benchmarks_seen.insert(task).second) set.benchmarks.push_back(task);
  }
  if (mmlu_count > 0 && !names.count("mmlu")) {
    record.scores["mmlu"] = mmlu_sum / mmlu_count;
    set.metric_of["mmlu"] = mmlu_metric + " (mean of " + std::to_string(mmlu_count) + " hendrycksTest subjects)";
    if (benchmarks_seen.insert("mmlu").second) set.benchmarks.push_back("mmlu");
  }
  if (record.scores.empty()) {
    if (!options.tasks.empty()) return;  // this file does not hold the tasks asked for
    std::string wanted;
    for (const auto& m : options.metrics) wanted += (wanted.empty() ? "" : ", ") + m;
    throw InputError(path.string() + ": no task of \"results\" has a score under the metrics " + wanted);
  }
  set.records.push_back(std::move(record));
}

}  // namespace

BenchmarkSet read_lm_eval_results(const std::filesystem::path& file_or_directory, const BenchmarkReadOptions& options) {
  std::vector<std::filesystem::path> files;
  if (std::filesystem::is_directory(file_or_directory)) {
    for (const auto& entry : std::filesystem::recursive_directory_iterator(file_or_directory))
      if (entry.is_regular_file() && entry.path().extension() == ".json") files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    if (files.empty()) throw InputError(file_or_directory.string() + ": no *.json results files in this directory");
  } else {
    files.push_back(file_or_directory);
  }
  BenchmarkSet set;
  std::set<std::string> seen;
  for (const auto& file : files) read_one_lm_eval_file(file, options, set, seen);

  // Several files for one (model, checkpoint): later files (in path order) add or replace tasks.
  std::map<std::pair<std::string, std::string>, std::size_t> index;
  std::vector<BenchmarkRecord> merged;
  for (auto& record : set.records) {
    const auto key = std::make_pair(record.model, record.checkpoint.value_or(""));
    const auto [it, inserted] = index.try_emplace(key, merged.size());
    if (inserted) {
      merged.push_back(std::move(record));
      continue;
    }
    auto& target = merged[it->second];
    for (const auto& [task, score] : record.scores) {
      if (target.scores.count(task))
        set.notes.push_back(key.first + (key.second.empty() ? "" : "@" + key.second) + ": task " + task + " in " + target.source +
                            " and " + record.source + "; kept the latter");
      target.scores[task] = score;
    }
    target.source = record.source;
  }
  set.records = std::move(merged);
  return set;
}

BenchmarkSet read_benchmarks(const std::filesystem::path& path, const BenchmarkReadOptions& options) {
  if (!std::filesystem::exists(path)) throw InputError(path.string() + ": benchmark file or directory not found");
  if (std::filesystem::is_directory(path) || path.extension() == ".json") return read_lm_eval_results(path, options);
  if (path.extension() != ".csv")
    throw InputError(path.string() + ": expected a .csv (leaderboard or score table), a .json or a directory of lm-eval results");
  const auto table = io::CsvTable::read(path);
  if (table.find_column("fullname") || table.find_column("Model")) return read_leaderboard_csv(path, options);
  return read_score_csv(path);
}

}  // namespace infobound::stats
