#include <gtest/gtest.h>

#include <ATen/ATen.h>
#include <cmath>
#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "infobound/core/config.hpp"
#include "infobound/core/error.hpp"
#include "infobound/eval/evaluate_run.hpp"
#include "infobound/eval/scoring.hpp"
#include "infobound/eval/tasks.hpp"
#include "infobound/stats/benchmark_scores.hpp"
#include "infobound/testing/scratch_dir.hpp"
#include "infobound/train/config.hpp"
#include "infobound/train/model_config.hpp"

namespace {
using namespace infobound;
namespace fs = std::filesystem;

fs::path scratch(const std::string& name) { return infobound::testing::scratch_dir(name); }

std::shared_ptr<models::CausalLM> tiny_model() {
  train::ModelSpec spec;
  spec.name = "tiny-neox";
  spec.family = {"tiny-neox", "gpt_neox", nlohmann::json::object()};
  spec.size = {"xs", 32, 2, 4, 64, std::nullopt};
  at::manual_seed(7);
  return models::CausalLM::from_config(train::hf_model_config(spec, 50, 64, 0));
}

corpus::Document doc(const std::string& name, const std::string& text) { return {name, text, "", false}; }

TEST(NextLineItems, ContextAnswerAndLengthMatchedDistractor) {
  const std::vector<corpus::Document> docs{doc("a", "ALICE:\nOne line here\nthe final line A"),
                                           doc("b", "BOB:\nshort"),  // two lines: no item
                                           doc("c", "CAROL:\nfirst\nsecond\nlast of C, a good deal longer than the others"),
                                           doc("d", "DAVE:\nalpha\n\nthe final line D!")};
  const auto items = eval::next_line_items(docs);
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[0].context, "ALICE:\nOne line here");
  EXPECT_EQ(items[0].answer, "\nthe final line A");
  // A's answer (17 bytes) is closest to D's (17 bytes), not to C's long one.
  EXPECT_EQ(items[0].distractor, "\nthe final line D!");
  EXPECT_EQ(items[2].distractor, "\nthe final line A");
  EXPECT_EQ(items[1].context, "CAROL:\nfirst\nsecond");
  EXPECT_NE(items[1].distractor, items[1].answer);
}

TEST(Scoring, LogLikelihoodsDoNotDependOnPaddingOrBatch) {
  auto model = tiny_model();
  const std::vector<std::vector<int64_t>> sequences{{1, 2, 3, 4, 5, 6}, {7, 8, 9}, {10, 11, 12, 13, 14, 15, 16, 17}};
  const std::vector<int64_t> first{3, 1, 5};
  const auto batched = eval::continuation_log_likelihoods(*model, sequences, first, 3);
  const auto single = eval::continuation_log_likelihoods(*model, sequences, first, 1);
  for (std::size_t i = 0; i < sequences.size(); ++i) {
    EXPECT_NEAR(batched[i], single[i], 1e-4) << i;
    // By hand from an unpadded forward.
    at::NoGradGuard no_grad;
    const at::Tensor ids = at::tensor(sequences[i], at::kLong).unsqueeze(0);
    models::ForwardOptions options;
    options.compute_logits = true;
    const at::Tensor log_probs = at::log_softmax(model->forward(ids, at::Tensor(), {}, options), -1);
    double expected = 0;
    for (std::size_t t = static_cast<std::size_t>(first[i]); t < sequences[i].size(); ++t)
      expected += log_probs[0][static_cast<int64_t>(t - 1)][sequences[i][t]].item<double>();
    EXPECT_NEAR(single[i], expected, 1e-4) << i;
    EXPECT_LT(single[i], 0.0);
  }
}

TEST(Scoring, NextTokenCountsEveryPredictedPosition) {
  auto model = tiny_model();
  const std::vector<std::vector<int64_t>> windows{{1, 2, 3, 4, 5}, {6, 7}, {8, 9, 10, 11}};
  const auto score = eval::score_next_token(*model, windows, 2);
  EXPECT_EQ(score.n, 4 + 1 + 3);
  EXPECT_GE(score.acc, 0.0);
  EXPECT_LE(score.acc, 1.0);
  // An untrained model spreads its probability: perplexity near the vocabulary size (50).
  EXPECT_GT(score.perplexity, 25.0);
  EXPECT_LT(score.perplexity, 100.0);
}

TEST(Scoring, ClozeSwappingAnswerAndDistractorComplementsAccuracy) {
  auto model = tiny_model();
  std::vector<eval::ClozeTokens> items, swapped;
  for (int64_t i = 0; i < 12; ++i) {
    eval::ClozeTokens t;
    t.context = {1 + i % 5, 2 + i % 7, 3};
    t.answer = {4 + i % 11, 5 + i % 13};
    t.distractor = {20 + i % 17, 21 + i % 3, 9};
    t.answer_bytes = 6;
    t.distractor_bytes = 9;
    items.push_back(t);
    std::swap(t.answer, t.distractor);
    std::swap(t.answer_bytes, t.distractor_bytes);
    swapped.push_back(t);
  }
  const auto a = eval::score_cloze(*model, items, 5), b = eval::score_cloze(*model, swapped, 5);
  EXPECT_EQ(a.n, 12);
  EXPECT_NEAR(a.acc + b.acc, 1.0, 1e-12);
  EXPECT_NEAR(a.acc_norm + b.acc_norm, 1.0, 1e-12);
  EXPECT_NEAR(a.acc_stderr, std::sqrt(a.acc * (1 - a.acc) / 11.0), 1e-12);
  // The same continuation twice is a tie, which goes to the answer.
  for (auto& t : items) t.distractor = t.answer, t.distractor_bytes = t.answer_bytes;
  EXPECT_EQ(eval::score_cloze(*model, items, 5).acc, 1.0);
}

TEST(LmEvalJson, ReadsBackThroughTheLmEvalReader) {
  const fs::path dir = scratch("lm_eval_json");
  eval::TaskScore next_token;
  next_token.acc = 0.25, next_token.acc_stderr = 0.01, next_token.perplexity = 40, next_token.has_perplexity = true,
  next_token.n = 900;
  eval::TaskScore cloze;
  cloze.acc = 0.6, cloze.acc_stderr = 0.03, cloze.acc_norm = 0.55, cloze.has_norm = true, cloze.n = 250;
  const auto json = eval::lm_eval_results_json(
      "mini-neox-s", "step64",
      {{"brown_next_token", "next_token_accuracy", next_token}, {"shakespeare_next_line", "next_line_cloze", cloze}}, 16,
      {{"fingerprint", "x"}});
  fs::create_directories(dir / "mini-neox-s");
  std::ofstream(dir / "mini-neox-s" / "step64.json") << json.dump(2);
  const auto set = stats::read_lm_eval_results(dir);
  ASSERT_EQ(set.records.size(), 1u);
  EXPECT_EQ(set.records[0].model, "mini-neox-s");
  ASSERT_TRUE(set.records[0].checkpoint.has_value());
  EXPECT_EQ(*set.records[0].checkpoint, "step64");
  EXPECT_DOUBLE_EQ(set.records[0].scores.at("brown_next_token"), 0.25);
  EXPECT_DOUBLE_EQ(set.records[0].scores.at("shakespeare_next_line"), 0.6);
  EXPECT_EQ(set.metric_of.at("shakespeare_next_line"), "acc");
  EXPECT_EQ(json["n-samples"]["brown_next_token"]["effective"], 900);
}

const char* kStudy = R"(study: s
models:
  - {name: m, family: f, path: /nonexistent}
corpus:
  sources: [{format: text, path: a.txt}]
benchmarks:
  - name: mini-eval
    format: infobound_eval
    tasks:
      - {name: nt, kind: next_token_accuracy, window: 32, source: {format: jsonl, path: b.jsonl}}
      - {name: cz, kind: next_line_cloze, source: {format: text, path: a.txt, skip_documents: 5}}
)";

TEST(EvalConfig, InfoboundEvalBenchmarksParseTheirTasks) {
  const auto config = parse_study_config(kStudy, "/tmp/study.yaml");
  ASSERT_EQ(config.benchmarks.size(), 1u);
  const auto& b = config.benchmarks[0];
  EXPECT_EQ(b.format, "infobound_eval");
  ASSERT_EQ(b.tasks.size(), 2u);
  EXPECT_EQ(b.tasks[0].kind, "next_token_accuracy");
  EXPECT_EQ(b.tasks[0].window, 32);
  EXPECT_EQ(b.tasks[0].source.path, fs::path("/tmp/b.jsonl"));
  EXPECT_EQ(b.tasks[1].kind, "next_line_cloze");
  EXPECT_EQ(b.tasks[1].window, 128);
  EXPECT_EQ(b.tasks[1].source.skip_documents, 5);
  EXPECT_EQ(eval::results_dir("/r", "mini-eval"), fs::path("/r/eval/mini-eval"));
}

TEST(EvalConfig, BadTasksNameTheFileAndKey) {
  std::string text = kStudy;
  text.replace(text.find("kind: next_line_cloze"), 21, "kind: multiple_choice");
  try {
    parse_study_config(text, "/tmp/study.yaml");
    FAIL();
  } catch (const InputError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("/tmp/study.yaml"), std::string::npos) << what;
    EXPECT_NE(what.find("kind"), std::string::npos) << what;
  }
  std::string no_tasks = kStudy;
  no_tasks.erase(no_tasks.find("    tasks:"));
  try {
    parse_study_config(no_tasks, "/tmp/study.yaml");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("benchmarks[0].tasks"), std::string::npos) << e.what();
  }
}

}  // namespace
