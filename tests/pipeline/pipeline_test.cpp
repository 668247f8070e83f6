// The pipeline on the bundled TinyStories-656K model and a few Shakespeare paragraphs.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "infobound/core/error.hpp"
#include "infobound/dist/session.hpp"
#include "infobound/dist/team.hpp"
#include "infobound/io/label_tables.hpp"
#include "infobound/io/unit_store.hpp"
#include "infobound/pipeline/extract.hpp"
#include "infobound/pipeline/planner.hpp"
#include "infobound/pipeline/reduce.hpp"
#include "infobound/testing/scratch_dir.hpp"

namespace fs = std::filesystem;
using namespace infobound;
using namespace infobound::pipeline;

namespace {

const fs::path kData = fs::path(INFOBOUND_SOURCE_DIR) / "data";

fs::path scratch(const std::string& name) { return infobound::testing::scratch_dir(name); }

std::string read(const fs::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

StudyConfig tiny_config(const fs::path& dir, const std::string& extra = "", const std::string& estimator_extra = "") {
  const std::string yaml = "study: tiny\nmodels:\n  - name: ts\n    path: " + (kData / "tinystories-656k").string() +
                           "\ncorpus:\n  sources:\n    - {path: " + (kData / "corpus" / "tinyshakespeare.txt").string() +
                           ", max_documents: 40}\n    - {format: preference_jsonl, path: " +
                           (kData / "corpus" / "hh-rlhf-harmless-base-test-200.jsonl").string() +
                           ", max_documents: 6}\n  max_length: 64\nestimator:\n" + estimator_extra +
                           "  n_bins: 20\n  orders: [1, 2]\nruntime:\n  threads: 1\n" + extra;
  std::ofstream(dir / "tiny.yaml") << yaml;
  return load_study_config(dir / "tiny.yaml");
}

ExtractSummary extract_all(const PlannedRun& planned, const RunDir& run, int64_t threads = 1) {
  const dist::Session session;
  const dist::Team team(session, 1);
  return extract_units(planned, run, dist::Worker{}, team, ExtractOptions{threads, 1, false});
}

std::string run_study(const fs::path& dir, const std::string& name, const std::string& extra, int64_t threads = 1) {
  fs::create_directories(dir / name);
  const RunDir run{dir / name / "run"};
  const PlannedRun planned = plan_run(tiny_config(dir / name, extra), run);
  extract_all(planned, run, threads);
  reduce_run(planned, run);
  return read(run.metrics_csv());
}

}  // namespace

TEST(Pipeline, PlanExtractReduceResume) {
  const fs::path dir = scratch("e2e");
  const RunDir run{dir / "run"};
  const PlannedRun planned = plan_run(tiny_config(dir, "  max_layers_per_unit: 2\n"), run);
  ASSERT_EQ(planned.plan.units.size(), 2u);  // hidden states 0-1 and 2
  EXPECT_EQ(planned.plan.units[0].layers, (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(planned.plan.units[1].id, "ts__final__layers-2-2");
  ASSERT_EQ(planned.plan.tokenizers.size(), 1u);
  EXPECT_EQ(planned.plan.tokenizers[0].n_sequences, 40 + 12);
  EXPECT_TRUE(fs::exists(run.token_cache(planned.plan.tokenizers[0].id)));
  // The census: every label set counted, keys seen twice or more kept, fewer than distinct.
  ASSERT_EQ(planned.plan.tokenizers[0].label_sets.size(), 5u);  // input_1, input_2, output_1, output_2, preference
  for (const auto& set : planned.plan.tokenizers[0].label_sets) {
    EXPECT_GT(set.kept_keys, 0) << set.name;
    EXPECT_LE(set.kept_keys, set.distinct_keys) << set.name;
  }
  EXPECT_GT(planned.plan.units[0].planned_memory_bytes, planned.plan.units[0].planned_table_bytes);

  const ExtractSummary first = extract_all(planned, run);
  EXPECT_EQ(first.computed, 2);
  EXPECT_EQ(first.skipped, 0);
  const ReduceSummary reduced = reduce_run(planned, run);
  EXPECT_EQ(reduced.units, 2);
  EXPECT_EQ(reduced.rows, 3);  // hidden states 0, 1, 2
  EXPECT_LT(fs::file_size(run.unit(planned.plan.units[0].id)), 64u * 1024);
  const std::string csv = read(run.metrics_csv());
  EXPECT_EQ(
      csv.rfind("model,family,checkpoint,step,tokens_seen,params,tokenizer_id,layer,n_layers,n_tokens,n_bins,eps,loss,H,", 0),
      0u);
  EXPECT_NE(csv.find("\nts,ts,final,,,656000,tok-"), std::string::npos) << csv;

  // A rerun keeps everything; a damaged unit is recomputed alone, with identical results.
  EXPECT_EQ(extract_all(planned, run).skipped, 2);
  fs::resize_file(run.unit(planned.plan.units[1].id), 100);
  EXPECT_THROW(reduce_run(planned, run), InputError);
  const ExtractSummary repaired = extract_all(planned, run);
  EXPECT_EQ(repaired.computed, 1);
  EXPECT_EQ(repaired.recomputed, 1);
  reduce_run(planned, run);
  EXPECT_EQ(read(run.metrics_csv()), csv);

  // The same config plans again into the same directory; another one is refused.
  EXPECT_NO_THROW(plan_run(tiny_config(dir), run));
  EXPECT_THROW(plan_run(tiny_config(dir, "  fold_singletons: false\n"), run), InputError);
  const PlannedRun reloaded = load_planned_run(run);
  EXPECT_EQ(reloaded.plan.config_hash, planned.plan.config_hash);
  // A run directory planned by the shard-based infobound is refused with what to do.
  std::string old_plan = read(run.plan());
  old_plan.replace(old_plan.find("\"schema_version\": 2"), 19, "\"schema_version\": 1");
  std::ofstream(run.plan()) << old_plan;
  try {
    plan_run(tiny_config(dir), run);
    FAIL() << "a schema-1 plan was accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("new --out directory"), std::string::npos) << e.what();
  }
}

TEST(Pipeline, MetricsAreInRangeAndPreferenceIsMeasured) {
  const fs::path dir = scratch("metrics");
  const RunDir run{dir / "run"};
  const PlannedRun planned = plan_run(tiny_config(dir), run);
  extract_all(planned, run);
  reduce_run(planned, run);
  ASSERT_EQ(planned.plan.units.size(), 1u);
  const io::UnitData unit = io::read_unit_file(run.unit(planned.plan.units[0].id), planned.plan.config_hash);
  EXPECT_EQ(unit.header.d, 128);
  EXPECT_GT(unit.header.loss_count, 0);
  ASSERT_EQ(unit.layers.size(), 3u);
  bool has_preference = false;
  for (const auto& t : unit.layers[0].label_sets) has_preference = has_preference || t.name == "preference";
  EXPECT_TRUE(has_preference);
  // Every row: H in [0, 1], loss well below the uniform ln(2048) = 7.62, preference filled in.
  std::istringstream lines(read(run.metrics_csv()));
  std::string header, line;
  std::getline(lines, header);
  int rows = 0;
  while (std::getline(lines, line)) {
    std::vector<std::string> cells;
    std::stringstream fields(line);
    for (std::string cell; std::getline(fields, cell, ',');) cells.push_back(cell);
    cells.resize(36);
    const double loss = std::stod(cells[12]), h = std::stod(cells[13]);
    EXPECT_GT(loss, 1.0);
    EXPECT_LT(loss, 7.0);
    EXPECT_GT(h, 0.0);
    EXPECT_LE(h, 1.0);
    EXPECT_FALSE(cells[34].empty()) << "preference";
    EXPECT_TRUE(cells[16].empty()) << "complexity_3 was not requested";
    ++rows;
  }
  EXPECT_EQ(rows, 3);
}

TEST(Pipeline, DryRunEstimatesWithoutWriting) {
  const fs::path dir = scratch("dry");
  const DryRun dry = dry_run(tiny_config(dir));
  ASSERT_EQ(dry.units.size(), 1u);
  EXPECT_EQ(dry.units[0].layers, 3);
  EXPECT_LT(dry.units[0].disk_bytes, 1024.0 * 1024);
  EXPECT_TRUE(dry.units[0].tokens_exact);
  EXPECT_TRUE(dry.units[0].model_known);
  EXPECT_NEAR(dry.units[0].forward_flops, 2.0 * 656000 * static_cast<double>(dry.units[0].tokens), 1.0);
  EXPECT_GT(dry.units[0].peak_memory_bytes, 656000.0 * 4);
  std::ostringstream out;
  print_dry_run(dry, out);
  EXPECT_NE(out.str().find("GPU hours"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir / "run"));

  // The paper study on a machine without its models or C4: estimates from the manifests.
  const DryRun paper = dry_run(load_study_config(fs::path(INFOBOUND_SOURCE_DIR) / "configs" / "paper-cross-family.yaml"));
  EXPECT_GT(paper.units.size(), 150u);
  EXPECT_FALSE(paper.units[0].tokens_exact);
  EXPECT_TRUE(paper.units[0].model_known);
  EXPECT_GT(paper.units.back().forward_flops, 0);
  double disk = 0;
  for (const auto& unit : paper.units) {
    disk += unit.disk_bytes;
    if (unit.model_known) {
      EXPECT_LE(unit.peak_memory_bytes, paper.memory_budget) << unit.unit_id;
    }
  }
  EXPECT_LT(disk, 50.0 * (1ull << 30));
  EXPECT_LT(paper.reduce_memory_bytes, 1024.0 * 1024 * 1024);
}

// Bit-identical metrics whatever the layer grouping, torch threads and scatter threads.
TEST(Pipeline, GroupsAndThreadsGiveIdenticalMetrics) {
  const fs::path dir = scratch("identical");
  const std::string reference = run_study(dir, "one-group", "");
  EXPECT_EQ(run_study(dir, "groups", "  max_layers_per_unit: 1\n"), reference);
  EXPECT_EQ(run_study(dir, "two-threads", "  accumulate_threads: 2\n", 2), reference);
  EXPECT_EQ(run_study(dir, "inline", "  accumulate_threads: 0\n"), reference);
}

TEST(Pipeline, KeptTablesHoldExactIntegersOnRequest) {
  const fs::path dir = scratch("tables");
  const RunDir run{dir / "run"};
  const PlannedRun planned = plan_run(tiny_config(dir, "", "  keep_tables: true\n"), run);
  extract_all(planned, run);
  const fs::path tables = run.tables_dir() / (planned.plan.units[0].id + ".member-0-of-1.h5");
  ASSERT_TRUE(fs::exists(tables));
  const auto records = io::read_label_tables(tables);
  ASSERT_EQ(records.size(), 3u * 5u);  // hidden states x label sets
  const io::UnitData unit = io::read_unit_file(run.unit(planned.plan.units[0].id), planned.plan.config_hash);
  // Each table's rows add up to the unit's exact marginal of that set (minus the folded rows).
  for (const auto& record : records) {
    if (record.layer != 0 || record.name != "input_1") continue;
    std::vector<int64_t> sum(20, 0);
    for (std::size_t r = 0; r < record.counts.size(); ++r)
      for (int64_t j = 0; j < 20; ++j) sum[j] += record.bins[r * 20 + j];
    const auto& set = unit.layers[0].label_sets[0];
    ASSERT_EQ(set.name, "input_1");
    EXPECT_EQ(static_cast<int64_t>(record.counts.size()), set.distinct_keys);
    int64_t rows = 0;
    for (const int64_t c : record.counts) rows += c;
    EXPECT_EQ(rows + set.folded_rows, set.labelled_rows);
    if (set.folded_rows == 0) {
      EXPECT_EQ(sum, set.marginal);
    }
  }
}

// Every accepted order reaches metrics.csv (orders beyond 4 get columns of their own).
TEST(Pipeline, OrdersBeyondFourReachTheMetrics) {
  const fs::path dir = scratch("order5");
  fs::create_directories(dir);
  std::string yaml = read(tiny_config(dir).file);
  yaml.replace(yaml.find("orders: [1, 2]"), 14, "orders: [1, 5]");
  std::ofstream(dir / "five.yaml") << yaml;
  const RunDir run{dir / "run"};
  const PlannedRun planned = plan_run(load_study_config(dir / "five.yaml"), run);
  extract_all(planned, run);
  reduce_run(planned, run);
  std::istringstream lines(read(run.metrics_csv()));
  std::string header, row;
  std::getline(lines, header);
  std::getline(lines, row);
  std::vector<std::string> names, cells;
  for (std::stringstream h(header); std::getline(h, row, ',');) names.push_back(row);
  std::getline(lines, row);
  for (std::stringstream r(row); std::getline(r, header, ',');) cells.push_back(header);
  cells.resize(names.size());
  const auto column = [&](const std::string& name) {
    const auto it = std::find(names.begin(), names.end(), name);
    EXPECT_NE(it, names.end()) << name;
    return it == names.end() ? std::string() : cells[static_cast<std::size_t>(it - names.begin())];
  };
  EXPECT_FALSE(column("complexity_5").empty());
  EXPECT_FALSE(column("expressivity_5").empty());
  EXPECT_TRUE(column("complexity_2").empty()) << "order 2 was not requested";
}
