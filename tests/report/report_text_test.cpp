// The report's training-dynamics text follows from the numbers: synthetic runs whose curves
// fall, rise, dip and peak must be described with that shape, their turning checkpoints and the
// right late-training verdict.
#include <gtest/gtest.h>

#include <cmath>

#include "curve_shape.hpp"
#include "dynamics_text.hpp"
#include "figures.hpp"
#include "infobound/io/csv_table.hpp"

namespace {
using namespace infobound::report;

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// One synthetic model: checkpoints at steps 1, 2, 4, ..., each with two block layers whose mean
// complexity / expressivity are the given values (layer 1 = value - spread, layer 2 = value + spread).
struct SyntheticModel {
  std::vector<Trajectory> checkpoints;
  Trajectory initial;

  SyntheticModel(const std::vector<double>& complexity, const std::vector<double>& expressivity, const std::vector<double>& loss,
                 const std::vector<double>& layer2_extra = {}) {
    for (std::size_t i = 0; i <= complexity.size(); ++i) {
      Trajectory t;
      t.model = "synthetic-m";
      t.family = "synthetic";
      t.step = i == 0 ? 0 : std::pow(2.0, static_cast<double>(i - 1));
      t.tokens = t.step * 1024;
      t.checkpoint = "step" + std::to_string(std::llround(t.step));
      t.n_layers = 2;
      const double c = i == 0 ? 0.3 : complexity[i - 1], e = i == 0 ? 0.01 : expressivity[i - 1];
      const double extra = (i == 0 || layer2_extra.empty()) ? 0 : layer2_extra[i - 1];
      for (int64_t l = 0; l <= 2; ++l) {
        LayerValues v;
        v.layer = l;
        const double spread = l == 1 ? -0.01 - extra : 0.01 + extra;
        v.complexity[0] = l == 0 ? 0.9 : c + spread;
        v.expressivity[0] = l == 0 ? 0.0 : e;
        t.layers.push_back(v);
      }
      t.loss = i == 0 ? 6.93 : loss[i - 1];
      (i == 0 ? initial : checkpoints.emplace_back()) = t;
    }
  }
  std::vector<const Trajectory*> list() const {
    std::vector<const Trajectory*> out;
    for (const auto& t : checkpoints) out.push_back(&t);
    return out;
  }
  ModelDynamics describe() const { return describe_model_dynamics(list(), &initial, 1); }
};

const std::vector<double> kFlatteningLoss{6.0, 5.5, 5.0, 4.6, 4.3, 4.1, 4.0, 3.97, 3.96};

TEST(CurveShape, ClassifiesFallRiseDipPeakFlatAndOscillation) {
  EXPECT_EQ(classify_curve({0.5, 0.4, 0.3, 0.2}, 0.02).shape, Shape::falling);
  EXPECT_EQ(classify_curve({0.1, 0.2, 0.3, 0.35}, 0.02).shape, Shape::rising);
  EXPECT_EQ(classify_curve({0.3, 0.301, 0.299, 0.3}, 0.02).shape, Shape::flat);
  const auto dip = classify_curve({0.3, 0.2, 0.05, 0.2, 0.4}, 0.02);
  EXPECT_EQ(dip.shape, Shape::dip);
  ASSERT_EQ(dip.turns(), std::vector<std::size_t>{2});
  const auto peak = classify_curve({0.1, 0.3, 0.5, 0.3, 0.2}, 0.02);
  EXPECT_EQ(peak.shape, Shape::peak);
  ASSERT_EQ(peak.turns(), std::vector<std::size_t>{2});
  const auto wave = classify_curve({0.1, 0.3, 0.1, 0.3, 0.1}, 0.02);
  EXPECT_EQ(wave.shape, Shape::oscillating);
  EXPECT_EQ(wave.turns(), (std::vector<std::size_t>{1, 2, 3}));
  // Swings within the tolerance are noise: a fall with a small wobble is still a fall.
  EXPECT_EQ(classify_curve({0.5, 0.4, 0.41, 0.3, 0.2}, 0.02).shape, Shape::falling);
  // ... but the same wobble is a turn with a finer tolerance.
  EXPECT_EQ(classify_curve({0.5, 0.4, 0.41, 0.3, 0.2}, 0.005).shape, Shape::oscillating);
}

TEST(CurveShape, DescriptionNamesTurningCheckpointsAndChanges) {
  const std::vector<double> v{0.25, 0.1, 0.05, 0.2, 0.4};
  const std::vector<std::string> labels{"step 1", "step 2", "step 16", "step 64", "step 300"};
  const std::string text = describe_curve("Complexity", v, labels, classify_curve(v, 0.02));
  EXPECT_TRUE(has(text, "Complexity dips (V shape)")) << text;
  EXPECT_TRUE(has(text, "falls to 0.05 at step 16 (-0.2)")) << text;
  EXPECT_TRUE(has(text, "then rises to 0.4 at step 300 (+0.35)")) << text;
  EXPECT_TRUE(has(text, "ends 0.15 above its start, at its maximum")) << text;
}

TEST(DynamicsText, FallingComplexityWithRisingExpressivityCompresses) {
  const SyntheticModel m({0.40, 0.42, 0.40, 0.36, 0.32, 0.28, 0.25, 0.22, 0.20},
                         {0.02, 0.05, 0.08, 0.10, 0.12, 0.13, 0.14, 0.15, 0.15}, kFlatteningLoss);
  const auto d = m.describe();
  EXPECT_EQ(d.verdict, LateVerdict::compresses) << d.text;
  EXPECT_TRUE(has(d.text, "Complexity falls")) << d.text;
  EXPECT_TRUE(has(d.text, "Expressivity rises")) << d.text;
  EXPECT_TRUE(has(d.text, "the late checkpoints compress, as the paper reports")) << d.text;
  EXPECT_FALSE(has(d.text, "do not show")) << d.text;
  // The late phase starts where the loss is within 10% of its 2.04-nat improvement: step 32 (4.1).
  EXPECT_TRUE(has(d.text, "Late training, step 32 to step 256")) << d.text;
  EXPECT_TRUE(has(d.text, "At initialisation (step 0")) << d.text;
}

TEST(DynamicsText, RisingComplexitySaysTheDataDoNotShowCompression) {
  const SyntheticModel m({0.10, 0.12, 0.15, 0.19, 0.24, 0.28, 0.31, 0.34, 0.36},
                         {0.02, 0.05, 0.08, 0.10, 0.12, 0.13, 0.14, 0.15, 0.15}, kFlatteningLoss);
  const auto d = m.describe();
  EXPECT_EQ(d.verdict, LateVerdict::expands) << d.text;
  EXPECT_TRUE(has(d.text, "Complexity rises: from 0.1 at step 1")) << d.text;
  EXPECT_TRUE(has(d.text, "the data do not show the late compression the paper reports")) << d.text;
  EXPECT_FALSE(has(d.text, "as the paper reports.")) << d.text;
}

TEST(DynamicsText, CollapseAndReExpansionIsAVWithItsTurningStep) {
  // The pattern of the first mini study: complexity and expressivity collapse around step 16, then
  // re-expand above their start.
  const SyntheticModel m({0.26, 0.20, 0.12, 0.06, 0.04, 0.10, 0.22, 0.33, 0.40},
                         {0.03, 0.02, 0.01, 0.005, 0.004, 0.03, 0.08, 0.12, 0.14}, kFlatteningLoss);
  const auto d = m.describe();
  EXPECT_TRUE(
      has(d.text,
          "Complexity dips (V shape): from 0.26 at step 1 it falls to 0.04 at step 16 (-0.22), then rises to 0.4 at step 256"))
      << d.text;
  EXPECT_TRUE(has(d.text, "Expressivity dips (V shape)")) << d.text;
  EXPECT_EQ(d.verdict, LateVerdict::expands) << d.text;
}

TEST(DynamicsText, PeakThenFallNamesThePeakAndBothFallingIsNotCompression) {
  const SyntheticModel m({0.10, 0.20, 0.35, 0.45, 0.40, 0.33, 0.27, 0.22, 0.20},
                         {0.02, 0.06, 0.12, 0.16, 0.14, 0.11, 0.09, 0.07, 0.06}, kFlatteningLoss);
  const auto d = m.describe();
  EXPECT_TRUE(
      has(d.text,
          "Complexity peaks (inverted V): from 0.1 at step 1 it rises to 0.45 at step 8 (+0.35), then falls to 0.2 at step 256"))
      << d.text;
  EXPECT_EQ(d.verdict, LateVerdict::both_fall) << d.text;
  EXPECT_TRUE(has(d.text, "expressivity falls too")) << d.text;
}

TEST(DynamicsText, HeldComplexityAndPerLayerExtremes) {
  // The block mean holds late while layer 1 falls and layer 2 rises by the same amount.
  const SyntheticModel m({0.10, 0.20, 0.25, 0.28, 0.30, 0.30, 0.30, 0.30, 0.30},
                         {0.02, 0.05, 0.08, 0.10, 0.12, 0.13, 0.14, 0.15, 0.15}, kFlatteningLoss,
                         {0, 0, 0, 0, 0, 0.0, 0.02, 0.04, 0.06});
  const auto d = m.describe();
  EXPECT_EQ(d.verdict, LateVerdict::holds) << d.text;
  EXPECT_TRUE(has(d.text, "per layer, complexity changes by -0.06 at layer 1 and by +0.06 at layer 2")) << d.text;
  EXPECT_TRUE(has(d.text, "Complexity holds within the tolerance")) << d.text;
}

TEST(DynamicsText, LossStillFallingIsSaid) {
  const SyntheticModel m({0.40, 0.38, 0.36, 0.34, 0.32, 0.30, 0.28, 0.26, 0.24},
                         {0.02, 0.05, 0.08, 0.10, 0.12, 0.13, 0.14, 0.15, 0.16}, {6.5, 6.3, 6.1, 5.9, 5.7, 5.5, 5.3, 5.1, 4.6});
  const auto d = m.describe();
  EXPECT_TRUE(has(d.text, "the held-out loss is still falling at the last checkpoint")) << d.text;
  EXPECT_TRUE(has(d.text, "Late training, step 128 to step 256")) << d.text;
}

TEST(DynamicsText, FamilySummaryCountsVerdicts) {
  const std::string s =
      late_compression_summary({{"a", LateVerdict::compresses}, {"b", LateVerdict::expands}, {"c", LateVerdict::holds}});
  EXPECT_TRUE(has(s, "1 of 3 models (a)")) << s;
  EXPECT_TRUE(has(s, "Complexity rises late in b")) << s;
  EXPECT_TRUE(has(s, "Complexity holds late in c")) << s;
  const std::string none = late_compression_summary({{"a", LateVerdict::expands}});
  EXPECT_TRUE(has(none, "0 of 1 models.")) << none;
}

TEST(DynamicsText, FigureReadingCarriesEveryModelAndNoFixedConclusion) {
  const SyntheticModel rising({0.10, 0.12, 0.15, 0.19, 0.24, 0.28, 0.31, 0.34, 0.36},
                              {0.02, 0.05, 0.08, 0.10, 0.12, 0.13, 0.14, 0.15, 0.15}, kFlatteningLoss);
  std::vector<Trajectory> all{rising.initial};
  all.insert(all.end(), rising.checkpoints.begin(), rising.checkpoints.end());
  const auto built = training_dynamics(all, "synthetic", 1);
  ASSERT_TRUE(built.has_value());
  EXPECT_TRUE(has(built->reading, "**synthetic-m**")) << built->reading;
  EXPECT_TRUE(has(built->reading, "Late compression (complexity falls, expressivity holds or rises): 0 of 1 models."))
      << built->reading;
  EXPECT_FALSE(has(built->reading, "is the compression the paper describes")) << built->reading;
}

TEST(RegressionText, NamesSignificantPredictorsJointAndAloneAndLofo) {
  infobound::io::CsvTable terms({"term", "estimate", "std_error", "t", "p", "partial_r", "partial_p", "n", "r2", "adj_r2",
                                 "lofo_rmse", "lofo_rmse_controls_only"});
  terms.add_row({"intercept", "0.1", "0.01", "10", "0.001", "", "", "48", "0.8", "0.77", "0.05", "0.04"});
  terms.add_row({"optimality_1", "-0.5", "0.1", "-5", "0.0001", "-0.6", "0.0002", "48", "0.8", "0.77", "0.05", "0.04"});
  terms.add_row({"complexity_1", "0.2", "0.3", "0.6", "0.55", "0.1", "0.5", "48", "0.8", "0.77", "0.05", "0.04"});
  terms.add_row({"log10_params", "0.3", "0.05", "6", "0.00001", "", "", "48", "0.8", "0.77", "0.05", "0.04"});
  const std::string text = regression_terms_reading("acc", terms);
  EXPECT_TRUE(has(text, "n = 48 model checkpoints, R² = 0.8")) << text;
  EXPECT_TRUE(
      has(text, "the score goes with optimality_1 -0.5 (p = 0.0001) at the 5% level; not with complexity_1 +0.2 (p = 0.55)"))
      << text;
  EXPECT_TRUE(has(text, "optimality_1 r = -0.6 (p = 0.0002) is significant; complexity_1 r = 0.1 (p = 0.5) not")) << text;
  EXPECT_FALSE(has(text, "log10_params")) << text;
  EXPECT_TRUE(has(text, "the measures do not improve prediction across families")) << text;
  // Jointly nothing, alone something: the measures are collinear, and the text says so.
  infobound::io::CsvTable weak = terms;
  weak.set(1, weak.column("p"), "0.2");
  const std::string collinear = regression_terms_reading("acc", weak);
  EXPECT_TRUE(has(collinear, "no measure is significant at the 5% level: optimality_1 -0.5 (p = 0.2)")) << collinear;
  EXPECT_TRUE(has(collinear, "the measures move together")) << collinear;
  weak.set(1, weak.column("partial_p"), "0.3");
  EXPECT_TRUE(has(regression_terms_reading("acc", weak), "none is significant either")) << regression_terms_reading("acc", weak);
}

}  // namespace
