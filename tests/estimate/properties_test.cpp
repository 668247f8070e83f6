// Properties that would catch real estimator bugs, on random Zipfian data.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <random>
#include <vector>

#include <ATen/Parallel.h>

#include "infobound/core/error.hpp"
#include "infobound/core/vector_math.hpp"
#include "infobound/estimate/accumulator.hpp"
#include "infobound/estimate/entropy.hpp"
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

// Exact statistics: every integer and every 128-bit sum equal.
void expect_identical(const infobound::LayerStatistics& a, const infobound::LayerStatistics& b) {
  EXPECT_EQ(a.n_rows, b.n_rows);
  EXPECT_EQ(a.bins, b.bins);
  ASSERT_EQ(a.label_sets.size(), b.label_sets.size());
  for (size_t s = 0; s < a.label_sets.size(); ++s) {
    const auto &x = a.label_sets[s], &y = b.label_sets[s];
    EXPECT_EQ(x.labelled_rows, y.labelled_rows) << x.name;
    EXPECT_EQ(x.marginal, y.marginal) << x.name;
    EXPECT_TRUE(x.conditional == y.conditional) << x.name << ": " << x.conditional.value() << " vs " << y.conditional.value();
  }
}

constexpr int64_t kMaxRows = 1 << 20;

}  // namespace

TEST(EstimatorProperties, MutualInformationIsNonNegativeAndBoundedByH) {
  for (uint64_t seed = 0; seed < 5; ++seed) {
    const Data data = make_data(3000, 50, seed);
    est::Accumulator acc(50, data.specs, kMaxRows);
    acc.add(data.p, data.labels);
    const auto m = acc.metrics();
    for (const auto& [name, mi] : m.mi) {
      EXPECT_GE(mi, -1e-12) << name;
      EXPECT_LE(mi, m.H + 1e-12) << name;
    }
  }
}

TEST(EstimatorProperties, MergeOfRandomSplitsIsBitIdenticalToOnePass) {
  const Data data = make_data(4000, 40, 7);
  est::Accumulator whole(40, data.specs, kMaxRows);
  whole.add(data.p, data.labels);
  std::mt19937 rng(3);
  for (int trial = 0; trial < 5; ++trial) {
    std::vector<int64_t> cuts{0, 4000};
    for (int c = 0; c < 1 + trial; ++c) cuts.push_back(std::uniform_int_distribution<int64_t>(1, 3999)(rng));
    std::sort(cuts.begin(), cuts.end());
    est::Accumulator merged(40, data.specs, kMaxRows);
    // Parts merged in reverse order: exact sums do not depend on it.
    for (size_t i = cuts.size() - 1; i-- > 0;) {
      est::Accumulator part(40, data.specs, kMaxRows);
      part.add(data.p.narrow(0, cuts[i], cuts[i + 1] - cuts[i]), slice(data.labels, cuts[i], cuts[i + 1] - cuts[i]));
      merged.merge(part);
    }
    expect_identical(merged.statistics(), whole.statistics());
  }
}

TEST(EstimatorProperties, PermutingSamplesGivesIdenticalStatistics) {
  const Data data = make_data(3000, 60, 5);
  est::Accumulator ordered(60, data.specs, kMaxRows);
  ordered.add(data.p, data.labels);
  const at::Tensor perm = at::randperm(3000, at::kLong);
  std::vector<at::Tensor> permuted;
  for (const auto& l : data.labels) permuted.push_back(l.index_select(0, perm));
  est::Accumulator shuffled(60, data.specs, kMaxRows);
  shuffled.add(data.p.index_select(0, perm), permuted);
  expect_identical(shuffled.statistics(), ordered.statistics());
}

TEST(EstimatorProperties, ExactSumDoesNotDependOnOrder) {
  std::mt19937 rng(1);
  std::vector<double> terms(10000);
  for (auto& t : terms)
    t = std::uniform_real_distribution<double>(0, 1000)(rng) * std::pow(10.0, -std::uniform_int_distribution<int>(0, 12)(rng));
  infobound::ExactSum forward, backward;
  for (double t : terms) forward.add(t);
  for (auto it = terms.rbegin(); it != terms.rend(); ++it) backward.add(*it);
  EXPECT_TRUE(forward == backward);
  const auto restored = infobound::ExactSum::from_words(forward.high_word(), forward.low_word());
  EXPECT_TRUE(restored == forward);
  double naive = 0;
  for (double t : terms) naive += t;
  EXPECT_NEAR(forward.value(), naive, 1e-9 * naive);
}

// The entropy kernel (vector log, counts to double without a cast, partial sums in a fixed order)
// against the plain formula with glibc's log: zero counts, counts under the 1e-9 clip, counts above
// 2^53 that a double rounds, and row lengths that are not a multiple of the kernel's lanes.
TEST(EstimatorProperties, EntropyOfExactCountsMatchesThePlainFormula) {
  std::mt19937_64 rng(5);
  double worst = 0;
  for (const int64_t n : {2, 3, 7, 8, 9, 63, 64, 65, 100, 1000}) {
    for (int trial = 0; trial < 200; ++trial) {
      // Sums of real rows stay below 2^62 (fixed_point_bits_for_rows).
      const int shift =
          std::uniform_int_distribution<int>(0, 61 - static_cast<int>(std::bit_width(static_cast<uint64_t>(n))))(rng);
      std::vector<int64_t> counts(static_cast<std::size_t>(n));
      for (auto& c : counts) {
        const int kind = std::uniform_int_distribution<int>(0, 9)(rng);
        const int64_t scale = int64_t{1} << std::uniform_int_distribution<int>(0, shift)(rng);
        c = kind == 0 ? 0 : kind == 1 ? 1 : static_cast<int64_t>(std::uniform_real_distribution<double>(0, 1)(rng) * scale);
      }
      counts[0] = std::max<int64_t>(counts[0], int64_t{1} << shift);  // leaves the small counts below the clip
      int64_t total = 0;
      for (const int64_t c : counts) total += c;
      double plain = 0;
      for (const int64_t c : counts) {
        if (c == 0) continue;
        const double q = static_cast<double>(c) / static_cast<double>(total);
        plain -= q * (q < 1e-9 ? std::log(1e-9) : std::log(q));
      }
      plain /= std::log(static_cast<double>(n));
      const double kernel = est::normalised_entropy(counts);
      worst = std::max(worst, std::abs(kernel - plain) / std::max(plain, 1e-300));
      if (plain == 0) {
        EXPECT_EQ(kernel, 0.0);
      }
    }
  }
  EXPECT_LT(worst, 1e-13);
  EXPECT_DOUBLE_EQ(est::normalised_entropy(std::vector<int64_t>{5, 5}), 1.0);
  EXPECT_EQ(est::normalised_entropy(std::vector<int64_t>{0, 7, 0}), 0.0);
  EXPECT_THROW(est::normalised_entropy(std::vector<int64_t>{0, 0}), infobound::InputError);
  EXPECT_THROW(est::normalised_entropy(std::vector<int64_t>{3, -1}), infobound::InputError);
  std::vector<int64_t> one_negative(100, 5);  // the check runs after a vectorised loop
  one_negative[70] = -1;
  EXPECT_THROW(est::normalised_entropy(one_negative), infobound::InputError);
}

// The entropy kernel runs its logarithm stage by stage over blocks of counts (entropy.cpp): each
// term and each partial sum must still be the double of the plain per-count sum, with term i in
// partial sum i mod 8, on every instruction set the kernel is built for.
TEST(EstimatorProperties, EntropyIsTheSameDoubleAsThePlainLaneSums) {
  const auto plain = [](const std::vector<int64_t>& counts) {
    int64_t total = 0;
    for (const int64_t c : counts) total += c;
    const double inverse_total = 1.0 / static_cast<double>(total);
    double lane[8] = {};
    for (std::size_t i = 0; i < counts.size(); ++i) {
      const double q = counts[i] == total ? 1.0 : static_cast<double>(counts[i]) * inverse_total;
      lane[i % 8] -= q * (q < 1e-9 ? std::log(1e-9) : infobound::math::log_of_normal(q));
    }
    const double sum = ((lane[0] + lane[1]) + (lane[2] + lane[3])) + ((lane[4] + lane[5]) + (lane[6] + lane[7]));
    return sum / std::log(static_cast<double>(counts.size()));
  };
  std::mt19937_64 rng(17);
  for (const int64_t n : {2, 7, 8, 63, 64, 65, 100, 129, 300}) {
    for (const int shift : {20, 44, 51, 54}) {  // rows of soft assignments, and sums of many (tables)
      for (int trial = 0; trial < 20; ++trial) {
        std::vector<int64_t> counts(static_cast<std::size_t>(n));
        for (auto& c : counts) {
          const int kind = std::uniform_int_distribution<int>(0, 9)(rng);
          c = kind == 0   ? 0
              : kind == 1 ? 1
                          : static_cast<int64_t>(std::uniform_real_distribution<double>(0, 1)(rng) * std::ldexp(1.0, shift));
        }
        counts[0] = std::max<int64_t>(counts[0], 1);
        const double expected = plain(counts), kernel = est::normalised_entropy(counts);
        ASSERT_EQ(std::bit_cast<uint64_t>(kernel), std::bit_cast<uint64_t>(expected)) << "n " << n << ", shift " << shift;
      }
    }
  }
  std::vector<int64_t> hard(100, 0);
  hard[37] = int64_t{1} << 44;
  EXPECT_EQ(est::normalised_entropy(hard), 0.0);
}

TEST(EstimatorProperties, ASingleLabelCarriesNoInformation) {
  const Data data = make_data(1000, 20, 2);
  est::Accumulator acc(20, {{"constant", 1}}, kMaxRows);
  acc.add(data.p, {at::full({1000}, 42, at::kLong)});
  EXPECT_NEAR(acc.metrics().mi.at("constant"), 0.0, 1e-12);
}

TEST(EstimatorProperties, LabelsThatDetermineZCarryAllOfH) {
  // Every row its own label: H(Z|X=x) is the entropy of one assignment, near 0 for sharp p.
  const at::Tensor z = at::randn({500, 8}, at::kDouble);
  const at::Tensor p = est::SoftAssigner(est::reference_points(10, 8, 0), 1e-5, at::kDouble).assign(z);
  est::Accumulator acc(10, {{"unique", 1}}, kMaxRows);
  acc.add(p, {at::arange(500, at::kLong)});
  const auto m = acc.metrics();
  EXPECT_NEAR(m.mi.at("unique"), m.H, 2e-3);
  EXPECT_NEAR(m.regularity.at("unique"), 1.0, 2e-3);
}

TEST(EstimatorProperties, FoldingKeysSeenOnceGivesIdenticalStatistics) {
  const Data data = make_data(5000, 50, 9);
  est::LabelCounter counter(data.specs);
  for (int64_t start = 0; start < 5000; start += 1000) counter.add(slice(data.labels, start, 1000));
  est::MultiLayerAccumulator folded(50, {0}, data.specs, kMaxRows), plain(50, {0}, data.specs, kMaxRows);
  folded.use_kept_keys(counter.kept_keys());
  for (int64_t start = 0; start < 5000; start += 1000) {
    folded.set_labels(slice(data.labels, start, 1000));
    folded.add_layer(0, data.p.narrow(0, start, 1000));
    plain.set_labels(slice(data.labels, start, 1000));
    plain.add_layer(0, data.p.narrow(0, start, 1000));
  }
  const auto folded_stats = folded.statistics(0), plain_stats = plain.statistics(0);
  EXPECT_LT(folded_stats.label_sets[1].distinct_keys, plain_stats.label_sets[1].distinct_keys / 2);
  EXPECT_GT(folded_stats.label_sets[1].folded_rows, 0);
  EXPECT_LT(folded.table_bytes(), plain.table_bytes());
  // A folded key's term is its one row's entropy, computed from the same fixed-point row.
  expect_identical(folded_stats, plain_stats);
}

// A folded set's part is the batch less its kept and unlabelled rows where most rows are folded,
// else the sum of its folded rows (accumulator.cpp): both with masked rows, which must not end
// up in it, and with several rows of one key in a batch, summed before its table row.
TEST(EstimatorProperties, FoldingWithUnlabelledRowsGivesIdenticalStatistics) {
  const Data data = make_data(4000, 40, 12);
  for (const double labelled : {0.98, 0.15}) {
    std::vector<at::Tensor> valid;
    for (int64_t s = 0; s < 3; ++s) valid.push_back(at::rand({4000}, at::kDouble).lt(labelled));
    est::LabelCounter counter(data.specs);
    for (int64_t start = 0; start < 4000; start += 800) counter.add(slice(data.labels, start, 800), slice(valid, start, 800));
    est::MultiLayerAccumulator folded(40, {0}, data.specs, kMaxRows), plain(40, {0}, data.specs, kMaxRows);
    folded.use_kept_keys(counter.kept_keys());
    for (int64_t start = 0; start < 4000; start += 800) {
      folded.set_labels(slice(data.labels, start, 800), slice(valid, start, 800));
      folded.add_layer(0, data.p.narrow(0, start, 800));
      plain.set_labels(slice(data.labels, start, 800), slice(valid, start, 800));
      plain.add_layer(0, data.p.narrow(0, start, 800));
    }
    const auto folded_stats = folded.statistics(0), plain_stats = plain.statistics(0);
    const auto& pairs = folded_stats.label_sets[1];
    EXPECT_GT(pairs.folded_rows, 0) << labelled;
    // 0.98: more folded than unlabelled rows in the pairs set; 0.15: fewer.
    EXPECT_EQ(pairs.folded_rows > 4000 - pairs.labelled_rows, labelled > 0.5) << pairs.folded_rows;
    expect_identical(folded_stats, plain_stats);
  }
}

// The layer's marginal is the sum of every row rounded to fixed point, however the scatter
// splits and groups the rows.
TEST(EstimatorProperties, TheMarginalIsTheSumOfTheRoundedRows) {
  const Data data = make_data(3000, 20, 13);
  est::MultiLayerAccumulator acc(20, {0}, data.specs, kMaxRows);
  acc.set_labels(data.labels);
  acc.add_layer(0, data.p);
  const auto stats = acc.statistics(0);
  const at::Tensor p = data.p.to(at::kDouble).contiguous();  // a float32 value widens exactly
  const double* row = p.data_ptr<double>();
  std::vector<int64_t> expected(20, 0);
  for (int64_t i = 0; i < 3000 * 20; ++i)
    expected[static_cast<std::size_t>(i % 20)] +=
        static_cast<int64_t>(std::nearbyint(std::ldexp(row[i], stats.fixed_point_bits)));
  EXPECT_EQ(stats.bins, expected);
  for (const auto& set : stats.label_sets) EXPECT_EQ(set.marginal, expected) << set.name;  // every row labelled
}

// Each table row is the sum of its key's rows rounded to fixed point: float32 rows (the
// pipeline's, rounded where the set pass adds them) and float64 ones, tables of more rows than one
// pass of the grouping's radix sort orders, with and without kept keys, over several batches.
TEST(EstimatorProperties, EveryTableRowIsTheSumOfItsKeysRoundedRows) {
  constexpr int64_t kRows = 12000, kBins = 6, kKeys = 5000, kBatch = 3000;
  at::manual_seed(21);
  const at::Tensor keys = at::randint(0, kKeys, {kRows}, at::kLong);
  const std::vector<est::LabelSetSpec> specs{{"keys", 1}};
  for (const auto dtype : {at::kFloat, at::kDouble}) {
    const at::Tensor p = at::softmax(at::randn({kRows, kBins}, at::kDouble) * 3, 1).to(dtype).contiguous();
    for (const bool kept : {true, false}) {
      est::MultiLayerAccumulator acc(kBins, {0}, specs, kMaxRows);
      if (kept) {
        est::LabelCounter counter(specs);
        counter.add({keys});
        acc.use_kept_keys(counter.kept_keys());
      }
      for (int64_t start = 0; start < kRows; start += kBatch) {
        acc.set_labels({keys.narrow(0, start, kBatch)});
        acc.add_layer(0, p.narrow(0, start, kBatch));
      }
      const est::LabelTable table = acc.table(0, 0);
      const at::Tensor widened = p.to(at::kDouble).contiguous();  // a float32 value widens exactly
      const double* value = widened.data_ptr<double>();
      const int64_t* key = keys.data_ptr<int64_t>();
      std::vector<int64_t> expected(static_cast<std::size_t>(kKeys * kBins), 0), count(kKeys, 0);
      for (int64_t i = 0; i < kRows; ++i) {
        ++count[static_cast<std::size_t>(key[i])];
        for (int64_t j = 0; j < kBins; ++j)
          expected[static_cast<std::size_t>(key[i] * kBins + j)] +=
              static_cast<int64_t>(std::nearbyint(std::ldexp(value[i * kBins + j], acc.fixed_point_bits())));
      }
      ASSERT_GT(table.counts.size(), 2048u) << "the grouping's radix sort takes one pass";
      for (std::size_t r = 0; r < table.counts.size(); ++r) {
        const int64_t k = table.keys[r];
        ASSERT_EQ(table.counts[r], count[static_cast<std::size_t>(k)]) << "key " << k;
        for (int64_t j = 0; j < kBins; ++j)
          ASSERT_EQ(table.bins[r * kBins + static_cast<std::size_t>(j)], expected[static_cast<std::size_t>(k * kBins + j)])
              << "key " << k << ", bin " << j << (dtype == at::kFloat ? ", float32" : ", float64") << (kept ? ", kept keys" : "");
      }
    }
  }
}

TEST(EstimatorProperties, KeysSplitAmongOwnersGiveIdenticalStatistics) {
  // Ranks sharing a unit: each adds the marginal of its own rows and the tables of the keys it owns.
  const Data data = make_data(4000, 30, 12);
  est::Accumulator single(30, data.specs, kMaxRows);
  single.add(data.p, data.labels);
  for (const int64_t owners : {2, 3}) {
    infobound::LayerStatistics total;
    for (int64_t owner = 0; owner < owners; ++owner) {
      est::LabelCounter counter(data.specs, owner, owners);
      counter.add(data.labels);
      est::MultiLayerAccumulator part(30, {0}, data.specs, kMaxRows);
      part.use_kept_keys(counter.kept_keys());
      // Rows of batch b are this owner's to add to the marginal when b % owners == owner.
      for (int64_t b = 0; b < 4; ++b) {
        const auto p = data.p.narrow(0, b * 1000, 1000);
        if (b % owners == owner) part.add_layer(0, p, est::Parts::marginal);
        std::vector<at::Tensor> valid;
        for (size_t s = 0; s < data.specs.size(); ++s) {
          const auto keys = data.labels[s].narrow(0, b * 1000, 1000).contiguous().view({1000, data.specs[s].key_width});
          at::Tensor mine = at::zeros({1000}, at::kBool);
          for (int64_t i = 0; i < 1000; ++i)
            mine[i] =
                est::key_owner(keys.data_ptr<int64_t>() + i * data.specs[s].key_width, data.specs[s].key_width, owners) == owner;
          valid.push_back(mine);
        }
        part.set_labels(slice(data.labels, b * 1000, 1000), valid);
        part.add_layer(0, p, est::Parts::tables);
      }
      const auto stats = part.statistics(0);
      if (owner == 0) total = stats;
      else total.add(stats);
    }
    // Kept keys were counted per owner, so nothing is folded that the single pass keeps.
    expect_identical(total, single.statistics());
  }
}

TEST(EstimatorProperties, WorkerThreadsGiveIdenticalStatistics) {
  const Data data = make_data(6000, 40, 13);
  est::AccumulateWorkers workers(3, 4);  // outlives the accumulators that use it
  est::MultiLayerAccumulator inline_acc(40, {0, 1}, data.specs, kMaxRows), pooled(40, {0, 1}, data.specs, kMaxRows);
  pooled.use_workers(&workers);
  for (int64_t start = 0; start < 6000; start += 500) {
    for (auto* acc : {&inline_acc, &pooled}) {
      acc->set_labels(slice(data.labels, start, 500));
      acc->add_layer(0, data.p.narrow(0, start, 500));
      acc->add_layer(1, data.p.narrow(0, start, 500).flip({0}));
    }
  }
  pooled.finish();
  expect_identical(pooled.statistics(0), inline_acc.statistics(0));
  expect_identical(pooled.statistics(1), inline_acc.statistics(1));
}

TEST(EstimatorProperties, TorchThreadsOfAnInlineScatterGiveIdenticalStatistics) {
  // Without workers the scatter spreads the folded rows' entropies and the label sets over torch's threads.
  const Data data = make_data(6000, 40, 17);
  est::LabelCounter counter(data.specs);
  counter.add(data.labels);
  const int saved = at::get_num_threads();
  std::vector<infobound::LayerStatistics> by_threads;
  for (const int threads : {1, 3}) {
    at::set_num_threads(threads);
    est::MultiLayerAccumulator acc(40, {0}, data.specs, kMaxRows);
    acc.use_kept_keys(counter.kept_keys());
    for (int64_t start = 0; start < 6000; start += 1500) {
      acc.set_labels(slice(data.labels, start, 1500));
      acc.add_layer(0, data.p.narrow(0, start, 1500));
    }
    by_threads.push_back(acc.statistics(0));
  }
  at::set_num_threads(saved);
  EXPECT_GT(by_threads[0].label_sets[1].folded_rows, 0);
  expect_identical(by_threads[1], by_threads[0]);
}

TEST(EstimatorProperties, LabelSetsIndexedInParallelGiveTheSameKeysAndTables) {
  // set_labels and LabelCounter::add index the label sets over torch's threads: the kept keys,
  // and the table rows an unfolded accumulator gives its keys by first sight, must not depend on it.
  const Data data = make_data(6000, 40, 23);
  const int saved = at::get_num_threads();
  std::vector<std::vector<std::shared_ptr<const est::KeyIndex>>> kept_by_threads;
  std::vector<std::vector<est::LabelTable>> tables_by_threads;
  for (const int threads : {1, 3}) {
    at::set_num_threads(threads);
    est::LabelCounter counter(data.specs);
    est::MultiLayerAccumulator unfolded(40, {0}, data.specs, kMaxRows);
    for (int64_t start = 0; start < 6000; start += 1500) {
      counter.add(slice(data.labels, start, 1500));
      unfolded.set_labels(slice(data.labels, start, 1500));
      unfolded.add_layer(0, data.p.narrow(0, start, 1500));
    }
    kept_by_threads.push_back(counter.kept_keys());
    std::vector<est::LabelTable> tables;
    for (int64_t s = 0; s < static_cast<int64_t>(data.specs.size()); ++s) tables.push_back(unfolded.table(0, s));
    tables_by_threads.push_back(std::move(tables));
  }
  at::set_num_threads(saved);
  for (std::size_t s = 0; s < data.specs.size(); ++s) {
    const est::KeyIndex& one = *kept_by_threads[0][s];
    const est::KeyIndex& three = *kept_by_threads[1][s];
    ASSERT_EQ(one.size(), three.size()) << data.specs[s].name;
    for (int64_t r = 0; r < one.size(); ++r) {
      const auto a = one.key(r), b = three.key(r);
      ASSERT_TRUE(std::equal(a.begin(), a.end(), b.begin(), b.end())) << data.specs[s].name << " kept key " << r;
    }
    const est::LabelTable& a = tables_by_threads[0][s];
    const est::LabelTable& b = tables_by_threads[1][s];
    EXPECT_GT(a.counts.size(), 1u) << data.specs[s].name;
    EXPECT_EQ(a.keys, b.keys) << data.specs[s].name;
    EXPECT_EQ(a.counts, b.counts) << data.specs[s].name;
    EXPECT_EQ(a.bins, b.bins) << data.specs[s].name;
  }
}

TEST(EstimatorProperties, NonFiniteAssignmentsAreAnErrorNamingWhere) {
  const Data data = make_data(100, 10, 3);
  est::MultiLayerAccumulator acc(10, {5}, data.specs, kMaxRows);
  acc.set_labels(data.labels);
  at::Tensor bad = data.p.clone();
  bad[7][3] = std::nan("");
  try {
    acc.add_layer(0, bad, est::Parts::all, "model m checkpoint c layer 5 batch 2");
    FAIL() << "a NaN assignment was accepted";
  } catch (const infobound::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("layer 5 batch 2"), std::string::npos) << e.what();
  }
}

TEST(EstimatorProperties, MoreRowsThanPlannedIsAnError) {
  const Data data = make_data(200, 10, 3);
  est::Accumulator acc(10, data.specs, 150);
  EXPECT_THROW(acc.add(data.p, data.labels), infobound::InputError);
}

TEST(EstimatorProperties, PartialLabelSetsUseTheirOwnRows) {
  // A label set that labels half the rows must not be diluted by the other half (soft_h trap 10).
  const Data data = make_data(2000, 30, 4);
  at::Tensor valid = at::zeros({2000}, at::kBool);
  valid.narrow(0, 0, 1000).fill_(true);
  est::Accumulator masked(30, {{"zipf", 1}}, kMaxRows);
  masked.add(data.p, {data.labels[0]}, {valid});
  est::Accumulator subset(30, {{"zipf", 1}}, kMaxRows);
  subset.add(data.p.narrow(0, 0, 1000), {data.labels[0].narrow(0, 0, 1000)});
  EXPECT_NEAR(masked.metrics().mi.at("zipf"), subset.metrics().mi.at("zipf"), 1e-12);
  EXPECT_EQ(masked.metrics().labelled_rows.at("zipf"), 1000);
}

TEST(EstimatorProperties, LayersShareLabelsButNotCounts) {
  const Data data = make_data(1000, 20, 8);
  est::MultiLayerAccumulator acc(20, {3, 7}, data.specs, kMaxRows);
  acc.set_labels(data.labels);
  acc.add_layer(0, data.p);
  acc.add_layer(1, data.p.flip({0}));
  est::Accumulator single(20, data.specs, kMaxRows);
  single.add(data.p, data.labels);
  expect_metrics_near(est::compute_metrics(acc.statistics(0)), single.metrics(), 0.0);
  EXPECT_EQ(acc.statistics(1).layer, 7);
  EXPECT_NE(est::compute_metrics(acc.statistics(1)).mi.at("zipf"), single.metrics().mi.at("zipf"));
}

TEST(EstimatorProperties, LabelArraysAreValidatedAgainstZ) {
  const Data data = make_data(100, 10, 1);
  est::Accumulator acc(10, data.specs, kMaxRows);
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
  est::Accumulator acc(2, {{"bigram", 2}}, kMaxRows);
  acc.add(p, {keys});
  EXPECT_EQ(acc.table("bigram").counts.size(), 2u);
  EXPECT_NEAR(acc.metrics().mi.at("bigram"), 1.0, 1e-9);
}
