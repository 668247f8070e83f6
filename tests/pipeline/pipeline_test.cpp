// The pipeline on the bundled TinyStories-656K model and a few Shakespeare paragraphs.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "infobound/core/error.hpp"
#include "infobound/dist/session.hpp"
#include "infobound/io/unit_store.hpp"
#include "infobound/pipeline/extract.hpp"
#include "infobound/pipeline/planner.hpp"
#include "infobound/pipeline/reduce.hpp"

namespace fs = std::filesystem;
using namespace infobound;
using namespace infobound::pipeline;

namespace {

const fs::path kData = fs::path(INFOBOUND_SOURCE_DIR) / "data";

fs::path scratch(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("infobound_pipeline_test_" + std::to_string(::getpid())) / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::string read(const fs::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

StudyConfig tiny_config(const fs::path& dir, const std::string& extra = "") {
  const std::string yaml = "study: tiny\nmodels:\n  - name: ts\n    path: " + (kData / "tinystories-656k").string() +
                           "\ncorpus:\n  sources:\n    - {path: " + (kData / "corpus" / "tinyshakespeare.txt").string() +
                           ", max_documents: 40}\n    - {format: preference_jsonl, path: " +
                           (kData / "corpus" / "hh-rlhf-harmless-base-test-200.jsonl").string() +
                           ", max_documents: 6}\n  max_length: 64\n  shards: 3\nestimator:\n  n_bins: 20\n  orders: [1, 2]\nruntime:\n  threads: 1\n" +
                           extra;
  std::ofstream(dir / "tiny.yaml") << yaml;
  return load_study_config(dir / "tiny.yaml");
}

ExtractSummary extract_all(const PlannedRun& planned, const RunDir& run) {
  return extract_units(planned, run, dist::Worker{}, ExtractOptions{1, 1, false});
}

}  // namespace

TEST(Pipeline, PlanExtractReduceResume) {
  const fs::path dir = scratch("e2e");
  const RunDir run{dir / "run"};
  const PlannedRun planned = plan_run(tiny_config(dir), run);
  ASSERT_EQ(planned.plan.units.size(), 3u);
  ASSERT_EQ(planned.plan.tokenizers.size(), 1u);
  EXPECT_EQ(planned.plan.tokenizers[0].n_sequences, 40 + 12);
  EXPECT_TRUE(fs::exists(run.token_cache(planned.plan.tokenizers[0].id)));

  const ExtractSummary first = extract_all(planned, run);
  EXPECT_EQ(first.computed, 3);
  EXPECT_EQ(first.skipped, 0);
  const ReduceSummary reduced = reduce_run(planned, run);
  EXPECT_EQ(reduced.units, 3);
  EXPECT_EQ(reduced.rows, 3);  // hidden states 0, 1, 2
  const std::string csv = read(run.metrics_csv());
  EXPECT_EQ(csv.rfind("model,family,checkpoint,step,tokens_seen,params,tokenizer_id,layer,n_layers,n_tokens,n_bins,eps,loss,H,", 0), 0u);
  EXPECT_NE(csv.find("\nts,ts,final,,,656000,tok-"), std::string::npos) << csv;

  // A rerun keeps everything; a damaged unit is recomputed alone, with identical results.
  EXPECT_EQ(extract_all(planned, run).skipped, 3);
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
}

TEST(Pipeline, MetricsAreInRangeAndPreferenceIsMeasured) {
  const fs::path dir = scratch("metrics");
  const RunDir run{dir / "run"};
  const PlannedRun planned = plan_run(tiny_config(dir), run);
  extract_all(planned, run);
  reduce_run(planned, run);
  const io::UnitData unit = io::read_unit_file(run.unit(planned.plan.units[2].id), planned.plan.config_hash);
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
  ASSERT_EQ(dry.units.size(), 3u);
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
  EXPECT_GT(paper.units.size(), 200u);
  EXPECT_FALSE(paper.units[0].tokens_exact);
  EXPECT_EQ(paper.units[0].tokens, 1000 * 512);
  EXPECT_TRUE(paper.units[0].model_known);
  EXPECT_GT(paper.units.back().forward_flops, 0);
}
