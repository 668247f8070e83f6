#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "infobound/core/error.hpp"
#include "infobound/stats/benchmark_scores.hpp"
#include "infobound/testing/scratch_dir.hpp"

namespace {
const std::filesystem::path kBenchmarks = std::filesystem::path(INFOBOUND_SHARED_DIR) / "fixtures" / "benchmarks";

const infobound::stats::BenchmarkRecord* find(const infobound::stats::BenchmarkSet& set, const std::string& model,
                                              const std::string& checkpoint = "") {
  for (const auto& r : set.records)
    if (r.model == model && r.checkpoint.value_or("") == checkpoint) return &r;
  return nullptr;
}
}  // namespace

TEST(BenchmarkScores, StripsLeaderboardHtml) {
  EXPECT_EQ(infobound::stats::strip_html(R"(<a target="_blank" href="https://huggingface.co/x/y">x/y</a>  <a href="z">📑</a>)"),
            "x/y");
  EXPECT_EQ(infobound::stats::strip_html("gpt2"), "gpt2");
}

TEST(BenchmarkScores, ReadsTheOpenLlmLeaderboardExport) {
  const auto path = kBenchmarks / "open-llm-leaderboard-v2-official.csv";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "fixture not found: " << path;
  const auto set = infobound::stats::read_benchmarks(path);
  EXPECT_EQ(set.benchmarks, (std::vector<std::string>{"IFEval", "BBH", "MATH Lvl 5", "GPQA", "MUSR", "MMLU-PRO"}));
  EXPECT_EQ(set.records.size(), 439u);  // 459 rows, 20 models twice
  EXPECT_EQ(set.notes.size(), 20u);
  const auto* yi = find(set, "01-ai/Yi-1.5-34B");
  ASSERT_NE(yi, nullptr);
  EXPECT_NEAR(yi->scores.at("IFEval"), 28.411725333226947, 1e-12);
  EXPECT_NEAR(yi->scores.at("MMLU-PRO"), 40.732121749408975, 1e-12);
  // Duplicate rule: the bfloat16 row of gpt2 (average 6.39) wins over float16 (5.98).
  const auto* gpt2 = find(set, "gpt2");
  ASSERT_NE(gpt2, nullptr);
  EXPECT_NE(gpt2->source.find(":"), std::string::npos);
  const auto* pythia = find(set, "EleutherAI/pythia-160m");
  ASSERT_NE(pythia, nullptr);
  EXPECT_FALSE(pythia->checkpoint);
  infobound::stats::BenchmarkReadOptions raw_options;
  raw_options.raw_leaderboard_scores = true;
  const auto raw = infobound::stats::read_benchmarks(path, raw_options);
  EXPECT_NEAR(find(raw, "01-ai/Yi-1.5-34B")->scores.at("IFEval"), 0.2841172533322695, 1e-15);
}

TEST(BenchmarkScores, ReadsPythiaLmEvalResultsPerCheckpoint) {
  const auto dir = kBenchmarks / "pythia-lm-eval";
  if (!std::filesystem::exists(dir)) GTEST_SKIP() << "fixture not found: " << dir;
  const auto set = infobound::stats::read_benchmarks(dir);
  const auto* r = find(set, "EleutherAI/pythia-v1.1-70m", "step1000");
  ASSERT_NE(r, nullptr);
  EXPECT_NEAR(r->scores.at("lambada_openai"), 0.050067921599068504, 1e-15);
  EXPECT_NEAR(r->scores.at("piqa"), 0.5603917301414582, 1e-15);
  EXPECT_EQ(set.metric_of.at("piqa"), "acc");
  ASSERT_TRUE(r->scores.count("mmlu"));  // hendrycksTest-* subjects averaged
  EXPECT_FALSE(r->scores.count("hendrycksTest-anatomy"));
  EXPECT_TRUE(r->scores.count("crows_pairs_english"));
  EXPECT_FALSE(r->scores.count("crows_pairs_english_age"));  // sub-task of crows_pairs_english
  std::size_t pythia_70m = 0;
  for (const auto& record : set.records) pythia_70m += record.model == "EleutherAI/pythia-v1.1-70m";
  EXPECT_GE(pythia_70m, 20u);
}

TEST(BenchmarkScores, ReadsNewHarnessFormat) {
  const auto dir = infobound::testing::scratch_dir("lm_eval_new");
  std::ofstream(dir / "results_2024-06-01T00-00-00.json") << R"({
    "results": {"mmlu": {"acc,none": 0.25, "acc_stderr,none": 0.01, "alias": "mmlu"},
                "mmlu_anatomy": {"acc,none": 0.3, "alias": " - anatomy"},
                "hellaswag": {"acc,none": 0.3, "acc_norm,none": 0.35, "alias": "hellaswag"}},
    "config": {"model": "hf", "model_args": "pretrained=allenai/OLMo-2-1124-7B,revision=stage1-step5000-tokens21B,dtype=bfloat16"},
    "model_name": "allenai/OLMo-2-1124-7B"})";
  infobound::stats::BenchmarkReadOptions options;
  options.metrics = {"acc_norm", "acc"};
  const auto set = infobound::stats::read_benchmarks(dir / "results_2024-06-01T00-00-00.json", options);
  ASSERT_EQ(set.records.size(), 1u);
  EXPECT_EQ(set.records[0].model, "allenai/OLMo-2-1124-7B");
  EXPECT_EQ(set.records[0].checkpoint.value_or(""), "stage1-step5000-tokens21B");
  EXPECT_DOUBLE_EQ(set.records[0].scores.at("hellaswag"), 0.35);
  EXPECT_DOUBLE_EQ(set.records[0].scores.at("mmlu"), 0.25);
  EXPECT_FALSE(set.records[0].scores.count("mmlu_anatomy"));
}

TEST(BenchmarkScores, PlainScoreCsvAndErrors) {
  const auto dir = infobound::testing::scratch_dir("scores");
  std::ofstream(dir / "scores.csv") << "model,checkpoint,arc,mmlu\nm1,step1,0.5,0.3\nm2,,0.6,\n";
  const auto set = infobound::stats::read_benchmarks(dir / "scores.csv");
  EXPECT_EQ(set.benchmarks, (std::vector<std::string>{"arc", "mmlu"}));
  EXPECT_EQ(set.records[0].checkpoint.value_or(""), "step1");
  EXPECT_FALSE(set.records[1].scores.count("mmlu"));
  std::ofstream(dir / "bad.csv") << "model,arc\nm1,high\n";
  try {
    infobound::stats::read_benchmarks(dir / "bad.csv");
    FAIL();
  } catch (const infobound::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("bad.csv:2"), std::string::npos) << e.what();
  }
  EXPECT_THROW(infobound::stats::read_benchmarks(dir / "missing.csv"), infobound::InputError);
}
