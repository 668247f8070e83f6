// Rows and labels against soft_h's real LLMInferrer layout (fixtures/soft_entropy/ngram_layout.h5).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "fixtures.hpp"
#include "infobound/estimate/ngram.hpp"

namespace est = infobound::estimate;

namespace {
const std::map<std::string, int64_t> kOrderOfName{{"unigram", 1}, {"bigram", 2}, {"trigram", 3}, {"quadgram", 4}};

// soft_h packs a tuple as base-V digits; that is injective when every id < V.
int64_t pack(const int64_t* key, int64_t width, int64_t vocab) {
  int64_t code = 0;
  for (int64_t j = 0; j < width; ++j) code = code * vocab + key[j];
  return code;
}
}  // namespace

TEST(Ngram, WindowFollowsLlmInferrer) {
  EXPECT_EQ(est::ngram_window(64, 4).start, 3);
  EXPECT_EQ(est::ngram_window(64, 4).end, 60);
  EXPECT_EQ(est::ngram_window(7, 4).size(), 0);  // shorter sequences contribute nothing
  EXPECT_EQ(est::ngram_window(8, 4).size(), 1);
}

TEST(Ngram, RowsAndLabelsMatchTheReferenceLayoutForEveryConfig) {
  SKIP_WITHOUT_FIXTURES();
  FixtureFile file(fixture_path("soft_entropy/ngram_layout.h5"));
  const int64_t vocab = file.attr_int("V");
  std::vector<std::vector<int64_t>> sequences;
  for (int i = 0; i < 12; ++i) {
    char name[16];
    std::snprintf(name, sizeof name, "seq_%02d", i);
    const at::Tensor t = file.tensor(name);
    sequences.emplace_back(t.data_ptr<int64_t>(), t.data_ptr<int64_t>() + t.numel());
  }
  for (int config = 0; config < 5; ++config) {
    const std::string group = "config_" + std::to_string(config);
    SCOPED_TRACE(group);
    est::LabelPlan plan;
    plan.input_orders.clear();
    plan.output_orders.clear();
    for (const auto& type : nlohmann::json::parse(file.attr_string(group + "/label_types"))) {
      plan.input_orders.push_back(kOrderOfName.at(type.get<std::string>()));
      plan.output_orders.push_back(kOrderOfName.at(type.get<std::string>()));
    }
    std::vector<est::SequenceTokens> batch;
    for (const auto& s : sequences) batch.push_back({s, {}, 0});
    const est::BatchRows rows = est::select_rows(batch, 64, plan);
    const at::Tensor expected_rows = file.tensor(group + "/rows");
    ASSERT_EQ(rows.size(), expected_rows.size(0));
    for (int64_t r = 0; r < rows.size(); ++r) {
      const int64_t flat = rows.flat_index[r].item<int64_t>();
      ASSERT_EQ(flat / 64, expected_rows[r][0].item<int64_t>()) << r;
      ASSERT_EQ(flat % 64, expected_rows[r][1].item<int64_t>()) << r;
    }
    const auto specs = plan.specs();
    for (size_t s = 0; s < specs.size(); ++s) {
      const int64_t order = specs[s].key_width;
      const bool input = specs[s].name.rfind("input_", 0) == 0;
      std::string type;
      for (const auto& [name, k] : kOrderOfName)
        if (k == order) type = name;
      const at::Tensor expected = file.tensor(group + "/labels/" + (input ? "input_" : "output_") + type);
      const int64_t* keys = rows.labels[s].data_ptr<int64_t>();
      for (int64_t r = 0; r < rows.size(); ++r)
        ASSERT_EQ(pack(keys + r * order, order, vocab), expected[r].item<int64_t>()) << specs[s].name << " row " << r;
    }
  }
}

TEST(Ngram, Case05LabelsDecodeToTheSameTuples) {
  SKIP_WITHOUT_FIXTURES();
  FixtureFile file(fixture_path("soft_entropy/cases/case_05.h5"));
  const at::Tensor ids = file.tensor("token_ids");
  const int64_t vocab = file.attr_int("V");
  std::vector<est::SequenceTokens> batch;
  for (int64_t b = 0; b < ids.size(0); ++b)
    batch.push_back({{ids[b].data_ptr<int64_t>(), static_cast<size_t>(ids.size(1))}, {}, 0});
  const est::LabelPlan plan;  // input/output orders 1..4, soft_h window
  const est::BatchRows rows = est::select_rows(batch, ids.size(1), plan);
  const at::Tensor positions = file.tensor("positions");
  ASSERT_EQ(rows.size(), positions.size(0));
  EXPECT_TRUE(at::equal(rows.flat_index, positions.select(1, 0) * ids.size(1) + positions.select(1, 1)));
  const char* names[] = {"unigram", "bigram", "trigram", "quadgram"};
  const auto specs = plan.specs();
  for (size_t s = 0; s < specs.size(); ++s) {
    const int64_t k = specs[s].key_width;
    const std::string golden = (s < 4 ? "input_" : "output_") + std::string(names[k - 1]);
    const at::Tensor expected = file.tensor("labels/" + golden);
    for (int64_t r = 0; r < rows.size(); ++r)
      ASSERT_EQ(pack(rows.labels[s].data_ptr<int64_t>() + r * k, k, vocab), expected[r].item<int64_t>()) << golden;
  }
}

TEST(Ngram, PerOrderWindowsMaskLabelsOutsideTheirOrder) {
  const std::vector<int64_t> ids{10, 11, 12, 13, 14, 15, 16, 17, 18, 19};
  est::LabelPlan plan;
  plan.input_orders = {1, 3};
  plan.output_orders = {1, 3};
  plan.window = est::WindowMode::per_order;
  const est::SequenceTokens sequence{ids, {}, 2};
  const est::BatchRows rows = est::select_rows({&sequence, 1}, 12, plan);
  ASSERT_EQ(rows.size(), 9);                         // order 1: [0, 9)
  EXPECT_EQ(rows.flat_index[0].item<int64_t>(), 2);  // left-padding offset
  // input_3 at positions [2, 7): rows 2..6 labelled.
  const at::Tensor mask = rows.valid[1];
  ASSERT_TRUE(mask.defined());
  EXPECT_EQ(mask.sum().item<int64_t>(), 5);
  EXPECT_FALSE(mask[1].item<bool>());
  EXPECT_TRUE(mask[2].item<bool>());
  EXPECT_EQ(rows.labels[1][2][0].item<int64_t>(), 10);
  EXPECT_EQ(rows.labels[3][2][2].item<int64_t>(), 15);  // output_3 at position 2: ids 3..5
  EXPECT_FALSE(rows.valid[0].defined());                // input_1 labels every row
}

TEST(Ngram, PreferenceLabelsOnlyTheResponseTokens) {
  const std::vector<int64_t> ids{1, 2, 3, 4, 5, 6, 7, 8};
  const std::vector<int8_t> preference{-1, -1, -1, 1, 1, 1, 1, 1};
  est::LabelPlan plan;
  plan.input_orders = {1};
  plan.output_orders = {1};
  plan.preference = true;
  const est::SequenceTokens sequence{ids, preference, 0};
  const est::BatchRows rows = est::select_rows({&sequence, 1}, 8, plan);
  ASSERT_EQ(rows.size(), 7);
  EXPECT_EQ(rows.valid[2].sum().item<int64_t>(), 4);
  EXPECT_EQ(rows.labels[2][3][0].item<int64_t>(), 1);
}
