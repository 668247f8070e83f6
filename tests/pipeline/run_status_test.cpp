// Task map, failure records, heartbeats and status aggregation (lib/pipeline run_status, task_map),
// on a hand-made plan: no model is run.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <new>
#include <nlohmann/json.hpp>

#include "infobound/core/atomic_file.hpp"
#include "infobound/core/error.hpp"
#include "infobound/io/json_file.hpp"
#include "infobound/pipeline/extract.hpp"
#include "infobound/pipeline/run_status.hpp"
#include "infobound/pipeline/task_map.hpp"
#include "infobound/testing/scratch_dir.hpp"

namespace fs = std::filesystem;
using namespace infobound;
using namespace infobound::pipeline;

namespace {

fs::path scratch(const std::string& name) { return infobound::testing::scratch_dir(name); }

// Two models x 5 layer groups (one hidden state each), written as RUN/plan.json.
Plan sample_plan(const RunDir& run) {
  Plan plan;
  plan.study = "sample";
  plan.config_hash = "abc123";
  for (const std::string model : {"a", "b"})
    for (int64_t group = 0; group < 5; ++group) {
      PlanUnit unit;
      unit.index = static_cast<int64_t>(plan.units.size());
      unit.model = model;
      unit.checkpoint = "main";
      unit.layers = {group};
      unit.layer_group = group;
      unit.n_layer_groups = 5;
      unit.id = make_unit_id(model, "main", unit.layers, 5);
      unit.tokenizer_id = "tok-0";
      plan.units.push_back(unit);
    }
  plan.tokenizers.push_back(PlanTokenizer{"tok-0", "tokenizer.json", "00", 10, 100, 90, {}});
  write_plan(run.plan(), plan);
  return plan;
}

}  // namespace

TEST(TaskMap, SplitsAsTheRoundRobinRuleOfWorkers) {
  const RunDir run{scratch("rule")};
  const Plan plan = sample_plan(run);
  const TaskMap map = make_task_map(plan, 3, 2);
  for (int task = 0; task < 3; ++task)
    for (int rank = 0; rank < 2; ++rank) {
      const dist::Worker worker{rank, 2, task, 3};
      std::vector<int64_t> expected;
      for (const auto& unit : plan.units)
        if (worker.owns(unit.index)) expected.push_back(unit.index);
      EXPECT_EQ(units_of_worker(plan, worker, &map), expected) << "task " << task << " rank " << rank;
    }
}

TEST(TaskMap, RanksOfATaskSplitItsUnitsWhateverTheirNumber) {
  const RunDir run{scratch("ranks")};
  const Plan plan = sample_plan(run);
  const TaskMap map = make_task_map(plan, 2, 1);
  // A resubmitted task with 3 ranks instead of 1: the same units, each once.
  std::vector<int64_t> all;
  for (int rank = 0; rank < 3; ++rank)
    for (const int64_t u : units_of_worker(plan, dist::Worker{rank, 3, 1, 2}, &map)) all.push_back(u);
  std::sort(all.begin(), all.end());
  EXPECT_EQ(all, map.units_of_task(1));
  EXPECT_EQ(map.units_of_task(1), (std::vector<int64_t>{1, 3, 5, 7, 9}));
}

TEST(TaskMap, IsWrittenOnceAndNeverRemapped) {
  const RunDir run{scratch("written")};
  const Plan plan = sample_plan(run);
  write_task_map(run, make_task_map(plan, 4, 1));
  EXPECT_NO_THROW(write_task_map(run, make_task_map(plan, 4, 1)));  // the same map again: kept
  EXPECT_THROW(write_task_map(run, make_task_map(plan, 3, 1)), InputError);
  const auto read = read_task_map(run, plan);
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->tasks, 4);
  EXPECT_EQ(read->task_of_unit, make_task_map(plan, 4, 1).task_of_unit);
  Plan other = plan;
  other.config_hash = "def456";
  EXPECT_THROW(read_task_map(run, other), InputError);
}

TEST(Failures, AreClassifiedRecordedAndCleared) {
  const auto reason = [](auto thrower) {
    try {
      thrower();
    } catch (...) {
      return describe_failure("u", std::current_exception(), "rank-0").reason;
    }
    return std::string("none");
  };
  EXPECT_EQ(reason([] { throw InputError("model.safetensors: truncated"); }), "input");
  EXPECT_EQ(reason([] { throw std::bad_alloc(); }), "out_of_memory");
  EXPECT_EQ(reason([] { throw std::runtime_error("CUDA out of memory. Tried to allocate 2.00 GiB"); }), "out_of_memory");
  EXPECT_EQ(reason([] { throw std::runtime_error("something else"); }), "error");

  const RunDir run{scratch("failures")};
  UnitFailure failure;
  try {
    throw InputError("weights unreadable\nsecond line");
  } catch (...) {
    failure = describe_failure("a__main__layers-1-1", std::current_exception(), "task-0-rank-0");
  }
  record_unit_failure(run, failure);
  auto read = read_unit_failures(run);
  ASSERT_EQ(read.size(), 1u);
  EXPECT_EQ(read[0].unit, "a__main__layers-1-1");
  EXPECT_EQ(read[0].message, "weights unreadable\nsecond line");
  EXPECT_EQ(read[0].worker, "task-0-rank-0");
  EXPECT_FALSE(read[0].host.empty());
  EXPECT_EQ(read[0].time.size(), 20u);  // 2026-01-01T00:00:00Z
  clear_unit_failure(run, "a__main__layers-1-1");
  EXPECT_TRUE(read_unit_failures(run).empty());
}

TEST(Status, CountsFailedRunningPendingAndFindsStaleWorkers) {
  const RunDir run{scratch("status")};
  const Plan plan = sample_plan(run);
  write_task_map(run, make_task_map(plan, 2, 1));
  UnitFailure failure;
  failure.unit = plan.units[7].id;
  failure.reason = "input";
  record_unit_failure(run, failure);
  WorkerHeartbeat live;
  live.worker = "task-0-rank-0";
  live.current_unit = plan.units[2].id;
  live.interval_seconds = 60;
  live.state = "running";
  write_heartbeat(run, live);
  WorkerHeartbeat dead = live;
  dead.worker = "task-1-rank-0";
  dead.current_unit = plan.units[3].id;
  write_heartbeat(run, dead);

  // Ten minutes later the live worker has beaten again, the dead one has not.
  const int64_t later = now_epoch_seconds() + 600;
  live.current_unit = plan.units[4].id;
  write_heartbeat(run, live);
  fs::path beat = heartbeats_dir(run) / "task-0-rank-0.json";
  nlohmann::json json = io::read_json_file(beat);
  json["epoch"] = later;
  write_file_atomically(beat, json.dump());

  const RunStatus status = collect_status(plan, run, later);
  EXPECT_EQ(status.units, 10);
  EXPECT_EQ(status.done, 0);
  EXPECT_EQ(status.failed, 1);
  EXPECT_EQ(status.running, 1);
  EXPECT_EQ(status.pending, 8);
  EXPECT_EQ(status.unit_states[4], UnitState::running);
  EXPECT_EQ(status.unit_states[7], UnitState::failed);
  ASSERT_EQ(status.checkpoints.size(), 2u);
  EXPECT_EQ(status.checkpoints[0].running, 1);
  EXPECT_EQ(status.checkpoints[1].failed, 1);
  ASSERT_EQ(status.workers.size(), 2u);
  EXPECT_FALSE(status.workers[0].stale);
  EXPECT_TRUE(status.workers[1].stale);
  EXPECT_EQ(status.stale_units, std::vector<std::string>{plan.units[3].id});
  EXPECT_EQ(status.tasks_with_work, (std::vector<int64_t>{0, 1}));
}

TEST(Threads, ComeFromTheJobsCpus) {
  const int64_t cpus = cpus_of_job();
  ASSERT_GE(cpus, 1);
  ::unsetenv("SLURM_CPUS_PER_TASK");
  EXPECT_EQ(threads_for_job_cpus(1), cpus);
  EXPECT_EQ(threads_for_job_cpus(static_cast<int>(cpus) * 4), 1);
  ::setenv("SLURM_CPUS_PER_TASK", "1", 1);
  EXPECT_EQ(threads_for_job_cpus(1), 1);
  ::setenv("SLURM_CPUS_PER_TASK", "100000", 1);
  EXPECT_EQ(threads_for_job_cpus(1), cpus);  // capped by the affinity mask
  ::unsetenv("SLURM_CPUS_PER_TASK");
}

TEST(Devices, EachLocalRankGetsItsOwnGpuWhenSeveralAreVisible) {
  // mpirun on a 4-GPU node: every rank sees all four.
  EXPECT_EQ(device_for_local_rank("cuda", 0, 4), "cuda:0");
  EXPECT_EQ(device_for_local_rank("cuda", 3, 4), "cuda:3");
  EXPECT_EQ(device_for_local_rank("cuda", 5, 4), "cuda:1");  // more ranks than GPUs: shared in turn
  // srun --gpus-per-task=1 (one visible GPU each), or a single-GPU machine.
  EXPECT_EQ(device_for_local_rank("cuda", 3, 1), "cuda");
  // An explicit index and the CPU are kept as configured.
  EXPECT_EQ(device_for_local_rank("cuda:2", 0, 4), "cuda:2");
  EXPECT_EQ(device_for_local_rank("cpu", 1, 4), "cpu");
  EXPECT_EQ(device_for_local_rank("cuda", 1, 0), "cuda");  // no GPU: the load reports it
}
