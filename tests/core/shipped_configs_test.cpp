#include <gtest/gtest.h>

#include <filesystem>

#include "infobound/core/config.hpp"

namespace fs = std::filesystem;
using namespace infobound;

TEST(ShippedConfigs, EveryManifestParses) {
  int manifests = 0;
  for (const auto& entry : fs::directory_iterator(fs::path(INFOBOUND_SOURCE_DIR) / "data-manifests")) {
    if (entry.path().extension() != ".yaml") continue;
    const Manifest m = load_manifest(entry.path());
    EXPECT_FALSE(m.family.empty()) << entry.path();
    for (const auto& model : m.models) {
      EXPECT_FALSE(model.hub.empty()) << model.name;
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
}

TEST(ShippedConfigs, StudiesParse) {
  const StudyConfig mini = load_study_config(fs::path(INFOBOUND_SOURCE_DIR) / "configs" / "mini.yaml");
  EXPECT_TRUE(mini.preference_enabled());
  EXPECT_EQ(mini.corpus.sources.size(), 2u);
  const StudyConfig paper = load_study_config(fs::path(INFOBOUND_SOURCE_DIR) / "configs" / "paper-cross-family.yaml");
  EXPECT_EQ(paper.corpus.max_length, 512);
  EXPECT_EQ(*paper.corpus.sources[0].max_documents, 10000);
  EXPECT_EQ(paper.estimator.n_bins, 100);
  EXPECT_EQ(paper.estimator.seed, 0u);
  EXPECT_EQ(paper.estimator.layers.kind, LayerSelection::Kind::blocks);
  EXPECT_GT(paper.models.size(), 15u);
  EXPECT_EQ(paper.models[0].checkpoints.size(), 20u);
}
