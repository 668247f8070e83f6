// Properties that would catch real estimator bugs, on random Zipfian data.
#include <gtest/gtest.h>

#include <random>

#include "infobound/core/error.hpp"
#include "infobound/estimate/accumulator.hpp"
#include "infobound/estimate/ngram.hpp"
#include "infobound/estimate/soft_assign.hpp"

namespace est = infobound::estimate;

namespace {

struct Data {
  at::Tensor p;                    // [N, n_bins]
  std::vector<at::Tensor> labels;  // unigram-ish [N], bigram [N, 2], pref [N]
  std::vector<est::LabelSetSpec> specs{{"zipf", 1}, {"pairs", 2}, {"pref", 1}};
};

Data make_data(int64_t n, int64_t n_bins, uint64_t seed) {
  at::manual_seed(seed);
  Data data;
  const at::Tensor z = at::randn({n, 16}, at::kDouble);
  const at::Tensor zipf = (at::rand({n}, at::kDouble).pow(-1.2)).floor().clamp_max(500).to(at::kLong);
  data.p = est::SoftAssigner(est::reference_points(n_bins, 16, 0), 0.05).assign(z + zipf.unsqueeze(1).to(at::kDouble) * 0.01);
  data.labels = {zipf, at::stack({zipf, at::randint(0, 7, {n}, at::kLong)}, 1), at::randint(0, 2, {n}, at::kLong)};
  return data;
}

std::vector<at::Tensor> slice(const std::vector<at::Tensor>& labels, int64_t start, int64_t length) {
  std::vector<at::Tensor> out;
  for (const auto& l : labels) out.push_back(l.narrow(0, start, length));
  return out;
}

void expect_metrics_near(const est::Metrics& a, const est::Metrics& b, double tol) {
  EXPECT_NEAR(a.H, b.H, tol);
  for (const auto& [name, mi] : a.mi) EXPECT_NEAR(mi, b.mi.at(name), tol) << name;
}

}  // namespace

TEST(EstimatorProperties, MutualInformationIsNonNegativeAndBoundedByH) {
  for (uint64_t seed = 0; seed < 5; ++seed) {
    const Data data = make_data(3000, 50, seed);
    est::Accumulator acc(50, data.specs);
    acc.add(data.p, data.labels);
    const auto m = acc.metrics();
    for (const auto& [name, mi] : m.mi) {
      EXPECT_GE(mi, -1e-12) << name;
      EXPECT_LE(mi, m.H + 1e-12) << name;
    }
  }
}

TEST(EstimatorProperties, MergeOfRandomSplitsEqualsOnePass) {
  const Data data = make_data(4000, 40, 7);
  est::Accumulator whole(40, data.specs);
  whole.add(data.p, data.labels);
  std::mt19937 rng(3);
  for (int trial = 0; trial < 5; ++trial) {
    std::vector<int64_t> cuts{0, 4000};
    for (int c = 0; c < 1 + trial; ++c) cuts.push_back(std::uniform_int_distribution<int64_t>(1, 3999)(rng));
    std::sort(cuts.begin(), cuts.end());
    est::Accumulator merged(40, data.specs);
    for (size_t i = 0; i + 1 < cuts.size(); ++i) {
      est::Accumulator part(40, data.specs);
      part.add(data.p.narrow(0, cuts[i], cuts[i + 1] - cuts[i]), slice(data.labels, cuts[i], cuts[i + 1] - cuts[i]));
      merged.merge(part);
    }
    expect_metrics_near(merged.metrics(), whole.metrics(), 1e-12);
  }
}

TEST(EstimatorProperties, FixedMergeOrderIsBitIdentical) {
  const Data data = make_data(2000, 30, 11);
  auto merged = [&] {
    est::Accumulator total(30, data.specs);
    for (int64_t start = 0; start < 2000; start += 500) {
      est::Accumulator part(30, data.specs);
      part.add(data.p.narrow(0, start, 500), slice(data.labels, start, 500));
      total.merge(est::Accumulator::from_state(part.state()));  // through the serialisable state
    }
    return total.state();
  };
  const est::LayerState a = merged(), b = merged();
  EXPECT_EQ(a.bins, b.bins);
  for (size_t s = 0; s < a.label_sets.size(); ++s) EXPECT_EQ(a.label_sets[s].bins, b.label_sets[s].bins);
}

TEST(EstimatorProperties, PermutingSamplesLeavesMetricsUnchanged) {
  const Data data = make_data(3000, 60, 5);
  est::Accumulator ordered(60, data.specs);
  ordered.add(data.p, data.labels);
  const at::Tensor perm = at::randperm(3000, at::kLong);
  std::vector<at::Tensor> permuted;
  for (const auto& l : data.labels) permuted.push_back(l.index_select(0, perm));
  est::Accumulator shuffled(60, data.specs);
  shuffled.add(data.p.index_select(0, perm), permuted);
  expect_metrics_near(shuffled.metrics(), ordered.metrics(), 1e-12);
}

TEST(EstimatorProperties, ASingleLabelCarriesNoInformation) {
  const Data data = make_data(1000, 20, 2);
  est::Accumulator acc(20, {{"constant", 1}});
  acc.add(data.p, {at::full({1000}, 42, at::kLong)});
  EXPECT_NEAR(acc.metrics().mi.at("constant"), 0.0, 1e-12);
}

TEST(EstimatorProperties, LabelsThatDetermineZCarryAllOfH) {
  // Every row its own label: H(Z|X=x) is the entropy of one assignment, near 0 for sharp p.
  const at::Tensor z = at::randn({500, 8}, at::kDouble);
  const at::Tensor p = est::SoftAssigner(est::reference_points(10, 8, 0), 1e-5, at::kDouble).assign(z);
  est::Accumulator acc(10, {{"unique", 1}});
  acc.add(p, {at::arange(500, at::kLong)});
  const auto m = acc.metrics();
  EXPECT_NEAR(m.mi.at("unique"), m.H, 2e-3);
  EXPECT_NEAR(m.regularity.at("unique"), 1.0, 2e-3);
}

TEST(EstimatorProperties, FoldingGloballyUniqueLabelsGivesTheSameMetrics) {
  const Data data = make_data(5000, 50, 9);
  est::LabelCounter counter(data.specs);
  for (int64_t start = 0; start < 5000; start += 1000) counter.add(slice(data.labels, start, 1000));
  est::MultiLayerAccumulator folded(50, 1, data.specs), plain(50, 1, data.specs);
  folded.fold_singletons(counter.singletons());
  for (int64_t start = 0; start < 5000; start += 1000) {
    folded.set_labels(slice(data.labels, start, 1000));
    folded.add_layer(0, data.p.narrow(0, start, 1000));
    plain.set_labels(slice(data.labels, start, 1000));
    plain.add_layer(0, data.p.narrow(0, start, 1000));
  }
  const auto folded_state = folded.layer_state(0), plain_state = plain.layer_state(0);
  EXPECT_LT(folded_state.label_sets[1].counts.size(), plain_state.label_sets[1].counts.size() / 2);
  EXPECT_GT(folded_state.label_sets[1].folded_rows, 0);
  expect_metrics_near(est::compute_metrics(folded_state), est::compute_metrics(plain_state), 1e-12);
}

TEST(EstimatorProperties, PartialLabelSetsUseTheirOwnRows) {
  // A label set that labels half the rows must not be diluted by the other half (soft_h trap 10).
  const Data data = make_data(2000, 30, 4);
  at::Tensor valid = at::zeros({2000}, at::kBool);
  valid.narrow(0, 0, 1000).fill_(true);
  est::Accumulator masked(30, {{"zipf", 1}});
  masked.add(data.p, {data.labels[0]}, {valid});
  est::Accumulator subset(30, {{"zipf", 1}});
  subset.add(data.p.narrow(0, 0, 1000), {data.labels[0].narrow(0, 0, 1000)});
  EXPECT_NEAR(masked.metrics().mi.at("zipf"), subset.metrics().mi.at("zipf"), 1e-12);
  EXPECT_EQ(masked.metrics().labelled_rows.at("zipf"), 1000);
}

TEST(EstimatorProperties, LayersShareLabelsButNotCounts) {
  const Data data = make_data(1000, 20, 8);
  est::MultiLayerAccumulator acc(20, 2, data.specs);
  acc.set_labels(data.labels);
  acc.add_layer(0, data.p);
  acc.add_layer(1, data.p.flip({0}));
  est::Accumulator single(20, data.specs);
  single.add(data.p, data.labels);
  expect_metrics_near(est::compute_metrics(acc.layer_state(0)), single.metrics(), 0.0);
  EXPECT_NE(est::compute_metrics(acc.layer_state(1)).mi.at("zipf"), single.metrics().mi.at("zipf"));
}

TEST(EstimatorProperties, LabelArraysAreValidatedAgainstZ) {
  const Data data = make_data(100, 10, 1);
  est::Accumulator acc(10, data.specs);
  EXPECT_THROW(acc.add(data.p, slice(data.labels, 0, 99)), infobound::InputError);
  EXPECT_THROW(acc.add(data.p, {data.labels[0]}), infobound::InputError);
  EXPECT_THROW(acc.add(data.p.narrow(1, 0, 9), data.labels), infobound::InputError);
  auto wrong_width = data.labels;
  wrong_width[1] = data.labels[0];
  EXPECT_THROW(acc.add(data.p, wrong_width), infobound::InputError);
}

TEST(EstimatorProperties, TupleKeysDoNotCollideWhereBaseVPackingWould) {
  // (1, 0) and (0, V) pack to the same base-V code; exact tuples keep them apart.
  const int64_t vocab = 1000;
  const at::Tensor keys = at::tensor(std::vector<int64_t>{1, 0, 0, vocab}, at::kLong).view({2, 2});
  const at::Tensor p = at::tensor(std::vector<double>{1.0, 0.0, 0.0, 1.0}, at::kDouble).view({2, 2});
  est::Accumulator acc(2, {{"bigram", 2}});
  acc.add(p, {keys});
  EXPECT_EQ(acc.state().label_sets[0].counts.size(), 2u);
  EXPECT_NEAR(acc.metrics().mi.at("bigram"), 1.0, 1e-9);
}
