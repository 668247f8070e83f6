#pragma once
// Downstream benchmark scores per model (and checkpoint), read from
// - an Open LLM Leaderboard v2 export (CSV with "fullname"/"Model" and IFEval, BBH, MATH Lvl 5,
//   GPQA, MUSR, MMLU-PRO columns),
// - a plain CSV with a `model` column, an optional `checkpoint` column and one numeric column per
//   benchmark,
// - lm-evaluation-harness results JSON (a file, or a directory searched recursively for *.json),
//   old format ("results" -> task -> metric) and new ("results" -> task -> "metric,filter").
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace infobound::stats {

struct BenchmarkRecord {
  std::string model;                      // hub id as the source names it
  std::optional<std::string> checkpoint;  // revision, when the source has one
  std::map<std::string, double> scores;   // benchmark -> score
  std::string source;                     // "file:line" or file
};

struct BenchmarkSet {
  std::vector<std::string> benchmarks;           // in source order
  std::map<std::string, std::string> metric_of;  // benchmark -> metric used (lm-eval)
  std::vector<BenchmarkRecord> records;
  std::vector<std::string> notes;  // how duplicates and groups were resolved
};

struct BenchmarkReadOptions {
  bool raw_leaderboard_scores = false;  // leaderboard: "<name> Raw" columns instead of normalised ones
  std::vector<std::string> metrics{"acc", "acc_norm", "exact_match", "em", "f1", "mc2", "pct_stereotype"};  // lm-eval preference
  std::vector<std::string> tasks;  // lm-eval: keep only these (default: all top-level tasks)
};

BenchmarkSet read_benchmarks(const std::filesystem::path& file_or_directory, const BenchmarkReadOptions& options = {});

BenchmarkSet read_leaderboard_csv(const std::filesystem::path& path, const BenchmarkReadOptions& options = {});
BenchmarkSet read_score_csv(const std::filesystem::path& path);
BenchmarkSet read_lm_eval_results(const std::filesystem::path& file_or_directory, const BenchmarkReadOptions& options = {});

// Removes HTML tags and decodes the few entities the leaderboard uses; trims whitespace.
std::string strip_html(const std::string& text);

}  // namespace infobound::stats
