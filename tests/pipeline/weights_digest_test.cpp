// Plan time weights digests: two checkpoints of one model with identical weights are recorded in
// plan.json and warned about.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "infobound/io/json_file.hpp"
#include "infobound/pipeline/planner.hpp"
#include "infobound/testing/scratch_dir.hpp"

namespace fs = std::filesystem;
using namespace infobound;

TEST(WeightsDigests, IdenticalCheckpointsAreRecordedAndWarnedAbout) {
  const fs::path data = fs::path(INFOBOUND_SOURCE_DIR) / "data";
  const fs::path dir = infobound::testing::scratch_dir("weights_digest_test");
  // The same weights in a second directory, as a hub branch that re-publishes an earlier step.
  fs::create_directories(dir / "copy");
  for (const char* file : {"config.json", "model.safetensors", "tokenizer.json"})
    fs::copy(data / "tinystories-656k" / file, dir / "copy" / file);
  const std::string yaml =
      "study: twins\nmodels:\n  - name: ts\n    checkpoints:\n      - {name: step100, path: " +
      (data / "tinystories-656k").string() + "}\n      - {name: step200, path: " + (dir / "copy").string() +
      "}\ncorpus:\n  sources:\n    - {path: " + (data / "corpus" / "tinyshakespeare.txt").string() +
      ", max_documents: 4}\n  max_length: 32\nestimator:\n  n_bins: 8\n  orders: [1]\nruntime:\n  threads: 1\n";
  std::ofstream(dir / "twins.yaml") << yaml;

  const pipeline::RunDir run{dir / "run"};
  ::testing::internal::CaptureStderr();
  const pipeline::PlannedRun planned = pipeline::plan_run(load_study_config(dir / "twins.yaml"), run);
  const std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(log.find("model ts: checkpoints step100, step200 have identical weights"), std::string::npos) << log;

  const nlohmann::json plan = io::read_json_file(run.plan());
  ASSERT_GE(plan.at("units").size(), 2u);
  const std::string digest = plan["units"][0].at("weights_digest").get<std::string>();
  EXPECT_EQ(digest.size(), 64u);
  for (const auto& unit : plan["units"]) EXPECT_EQ(unit.at("weights_digest").get<std::string>(), digest);
  const auto identical = identical_checkpoints(read_plan(run.plan()));
  ASSERT_EQ(identical.size(), 1u);
  EXPECT_EQ(identical[0].checkpoints, (std::vector<std::string>{"step100", "step200"}));
  fs::remove_all(dir);
}
