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
      const bool local = std::all_of(model.checkpoints.begin(), model.checkpoints.end(), [](const auto& c) { return !c.path.empty(); });
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
  EXPECT_GT(paper.models.size(), 15u);
  EXPECT_EQ(paper.models[0].checkpoints.size(), 20u);
}
