#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "infobound/core/config.hpp"

namespace fs = std::filesystem;
using namespace infobound;

TEST(ShippedConfigs, EveryManifestParses) {
  int manifests = 0;
  for (const auto& entry : fs::directory_iterator(fs::path(INFOBOUND_SOURCE_DIR) / "data-manifests")) {
    if (entry.path().extension() != ".yaml") continue;
    const Manifest m = load_manifest(entry.path());
    for (const auto& model : m.models) {
      EXPECT_FALSE(model.family.empty()) << model.name;
      // Hub models, or locally trained ones whose every checkpoint is a directory.
      const bool local =
          std::all_of(model.checkpoints.begin(), model.checkpoints.end(), [](const auto& c) { return !c.path.empty(); });
      EXPECT_TRUE(!model.hub.empty() || local) << model.name;
      EXPECT_TRUE(model.params.has_value()) << model.name;
      EXPECT_FALSE(model.checkpoints.empty()) << model.name;
    }
    ++manifests;
  }
  EXPECT_GE(manifests, 6);
  const Manifest pythia = load_manifest(fs::path(INFOBOUND_SOURCE_DIR) / "data-manifests" / "pythia.yaml");
  ASSERT_EQ(pythia.models.size(), 8u);
  ASSERT_EQ(pythia.models[0].checkpoints.size(), 154u);
  EXPECT_EQ(pythia.models[7].checkpoints.back().name, "step143000");
  EXPECT_EQ(*pythia.models[7].checkpoints.back().tokens_seen, 143000LL * 2097152LL);
  // Written by `infobound train --config configs/train-mini.yaml`.
  const Manifest mini = load_manifest(fs::path(INFOBOUND_SOURCE_DIR) / "data-manifests" / "mini-families.yaml");
  ASSERT_EQ(mini.models.size(), 4u);
  EXPECT_EQ(mini.models[3].family, "mini-llama");
  ASSERT_EQ(mini.models[3].checkpoints.size(), 14u);  // steps 0, 1, 2, 4, ..., 2048 and 3000
  EXPECT_EQ(mini.models[3].checkpoints.back().name, "step3000");
  EXPECT_EQ(*mini.models[3].checkpoints.back().tokens_seen, 3000LL * 8 * 128);
}

TEST(ShippedConfigs, StudiesParse) {
  const StudyConfig mini = load_study_config(fs::path(INFOBOUND_SOURCE_DIR) / "configs" / "mini.yaml");
  EXPECT_TRUE(mini.preference_enabled());
  EXPECT_EQ(mini.corpus.sources.size(), 2u);
  ASSERT_EQ(mini.benchmarks.size(), 1u);  // the eval tasks `run` scores and regresses (docs/eval.md)
  EXPECT_EQ(mini.benchmarks[0].format, "infobound_eval");
  EXPECT_EQ(mini.benchmarks[0].tasks.size(), 2u);
  const StudyConfig paper = load_study_config(fs::path(INFOBOUND_SOURCE_DIR) / "configs" / "paper-cross-family.yaml");
  EXPECT_EQ(paper.corpus.max_length, 512);
  EXPECT_EQ(*paper.corpus.sources[0].max_documents, 10000);
  EXPECT_EQ(paper.estimator.n_bins, 100);
  EXPECT_EQ(paper.estimator.seed, 0u);
  EXPECT_EQ(paper.estimator.layers.kind, LayerSelection::Kind::blocks);
  EXPECT_EQ(paper.models.size(), 23u);
  EXPECT_EQ(paper.models[0].checkpoints.size(), 27u);  // the Pythia steps with lm-eval results
  EXPECT_EQ(paper.benchmarks.size(), 2u);
  for (const auto& b : paper.benchmarks) EXPECT_TRUE(fs::exists(b.path)) << b.path;
  // Trajectories: OLMo 2 1B/7B stage 1, SmolLM2 intermediate checkpoints from their own repositories.
  auto model = [&](const std::string& name) -> const ModelSpec& {
    const auto it = std::find_if(paper.models.begin(), paper.models.end(), [&](const auto& m) { return m.name == name; });
    if (it == paper.models.end()) throw std::runtime_error("no model " + name);
    return *it;
  };
  EXPECT_EQ(model("olmo2-1b").checkpoints.back().name, "final");
  EXPECT_EQ(model("olmo2-1b").checkpoints[7].revision, "stage1-step1907359-tokens4001B");
  EXPECT_EQ(*model("olmo2-1b").checkpoints[7].tokens_seen, 1907359LL * 2097152LL);
  EXPECT_GT(model("olmo2-7b").checkpoints.size(), 8u);
  EXPECT_EQ(model("olmo2-13b").checkpoints.size(), 1u);
  for (const char* name : {"smollm2-135m", "smollm2-360m", "smollm2-1.7b"}) {
    const ModelSpec& m = model(name);
    ASSERT_GT(m.checkpoints.size(), 5u) << name;
    EXPECT_EQ(hub_repo_of(m, m.checkpoints[0]), m.hub + "-intermediate-checkpoints") << name;
    EXPECT_EQ(m.checkpoints[0].revision.rfind("step-", 0), 0u) << name;
    EXPECT_EQ(hub_repo_of(m, m.checkpoints.back()), m.hub) << name;
  }
  EXPECT_EQ(*model("smollm2-1.7b").checkpoints[0].tokens_seen, 125000LL * 2097152LL);
}

// The stage-1 branch names of OLMo 2 carry their token count, rounded up to a billion: every
// manifest entry must agree with its own step x tokens per step.
TEST(ShippedConfigs, OlmoBranchNamesAgreeWithStepsAndTokens) {
  const Manifest olmo = load_manifest(fs::path(INFOBOUND_SOURCE_DIR) / "data-manifests" / "olmo2.yaml");
  int checked = 0;
  for (const auto& model : olmo.models)
    for (const auto& c : model.checkpoints) {
      if (c.revision.rfind("stage1-step", 0) != 0) continue;
      ASSERT_TRUE(c.step && c.tokens_seen) << c.revision;
      EXPECT_EQ(c.revision, "stage1-step" + std::to_string(*c.step) + "-tokens" +
                                std::to_string((*c.tokens_seen + 999999999) / 1000000000) + "B");
      ++checked;
    }
  EXPECT_GE(checked, 20);
}
