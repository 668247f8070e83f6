#pragma once
// RUN/tasks.json: which Slurm array task computes which unit, fixed when the run is planned for
// an array (`infobound plan --tasks T`). Workers of a task read it instead of deriving their
// units from SLURM_ARRAY_TASK_COUNT, so resubmitting only some task ids (`submit.sh --resubmit`)
// never moves a unit to another task. Layout: docs/interfaces.md.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "infobound/dist/session.hpp"
#include "infobound/pipeline/run_dir.hpp"

namespace infobound::pipeline {

struct TaskMap {
  static constexpr int kSchemaVersion = 1;
  std::string config_hash;
  int64_t tasks = 1;
  int64_t ranks_per_task = 1;
  std::vector<int64_t> task_of_unit;  // by plan index

  // Units of one task, plan order.
  std::vector<int64_t> units_of_task(int64_t task) const;
};

std::filesystem::path task_map_path(const RunDir& run);

// Task t gets the units the round-robin rule of dist::Worker gives its ranks (unit i goes to task
// (i mod T*R) / R), so an array planned with a map splits exactly as one without.
TaskMap make_task_map(const Plan& plan, int64_t tasks, int64_t ranks_per_task);
// Writes RUN/tasks.json. An existing map of the same plan and task count is kept; another one is
// refused (its units would move between tasks).
void write_task_map(const RunDir& run, const TaskMap& map);
// std::nullopt when RUN/tasks.json does not exist; throws InputError when it does not fit the plan.
std::optional<TaskMap> read_task_map(const RunDir& run, const Plan& plan);

// The worker of this process. With a task map and an array task (--array-task, else
// SLURM_ARRAY_TASK_ID taken as it is: the map's task ids are the array's ids, whatever other ids a
// resubmission leaves out), the task count is the map's; otherwise dist::resolve_worker.
dist::Worker resolve_worker_of_run(const dist::Session& session, std::optional<int> array_task, std::optional<int> array_count,
                                   const std::optional<TaskMap>& map, int64_t ranks_per_unit = 1);
// Plan indices of this worker's units: with a map, the j-th unit of its task goes to rank j mod
// ranks; without, dist::Worker::owns.
std::vector<int64_t> units_of_worker(const Plan& plan, const dist::Worker& worker, const TaskMap* map);
// Plan indices of all units of the worker's array task (every rank).
std::vector<int64_t> units_of_task(const Plan& plan, const dist::Worker& worker, const TaskMap* map);

}  // namespace infobound::pipeline
