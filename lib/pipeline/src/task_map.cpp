#include "infobound/pipeline/task_map.hpp"

#include <cstdlib>

#include <nlohmann/json.hpp>

#include "infobound/core/atomic_file.hpp"
#include "infobound/core/error.hpp"
#include "infobound/io/json_file.hpp"

namespace infobound::pipeline {
namespace fs = std::filesystem;

std::vector<int64_t> TaskMap::units_of_task(int64_t task) const {
  std::vector<int64_t> units;
  for (std::size_t i = 0; i < task_of_unit.size(); ++i)
    if (task_of_unit[i] == task) units.push_back(static_cast<int64_t>(i));
  return units;
}

fs::path task_map_path(const RunDir& run) { return run.root / "tasks.json"; }

TaskMap make_task_map(const Plan& plan, int64_t tasks, int64_t ranks_per_task) {
  if (tasks < 1) throw UsageError("--tasks must be at least 1");
  if (ranks_per_task < 1) throw UsageError("--ranks-per-task must be at least 1");
  TaskMap map;
  map.config_hash = plan.config_hash;
  map.tasks = tasks;
  map.ranks_per_task = ranks_per_task;
  const int64_t workers = tasks * ranks_per_task;
  for (const auto& unit : plan.units) map.task_of_unit.push_back((unit.index % workers) / ranks_per_task);
  return map;
}

namespace {

nlohmann::json to_json(const TaskMap& map, const Plan& plan) {
  nlohmann::json units = nlohmann::json::array();
  for (std::size_t i = 0; i < plan.units.size(); ++i)
    units.push_back({{"unit", plan.units[i].id}, {"task", map.task_of_unit[i]}});
  return {{"schema_version", TaskMap::kSchemaVersion},
          {"config_hash", map.config_hash},
          {"tasks", map.tasks},
          {"ranks_per_task", map.ranks_per_task},
          {"units", units}};
}

TaskMap from_json(const nlohmann::json& json, const fs::path& path, const Plan& plan) {
  const auto bad = [&](const std::string& what) { return InputError(path.string() + ": " + what); };
  if (!json.is_object() || json.value("schema_version", 0) != TaskMap::kSchemaVersion)
    throw bad("not a task map of schema version " + std::to_string(TaskMap::kSchemaVersion));
  TaskMap map;
  map.config_hash = json.value("config_hash", "");
  map.tasks = json.value("tasks", int64_t{0});
  map.ranks_per_task = json.value("ranks_per_task", int64_t{1});
  if (map.config_hash != plan.config_hash)
    throw bad("made for config hash " + map.config_hash + ", the plan has " + plan.config_hash + "; plan the run again");
  if (map.tasks < 1) throw bad("'tasks' must be at least 1");
  const auto& units = json.at("units");
  if (!units.is_array() || units.size() != plan.units.size())
    throw bad("lists " + std::to_string(units.is_array() ? units.size() : 0) + " units, the plan has " +
              std::to_string(plan.units.size()));
  for (std::size_t i = 0; i < units.size(); ++i) {
    const std::string id = units[i].value("unit", "");
    const int64_t task = units[i].value("task", int64_t{-1});
    if (id != plan.units[i].id)
      throw bad("unit " + std::to_string(i) + " is '" + id + "', the plan has '" + plan.units[i].id + "'");
    if (task < 0 || task >= map.tasks)
      throw bad("unit " + id + " has task " + std::to_string(task) + ", outside 0.." + std::to_string(map.tasks - 1));
    map.task_of_unit.push_back(task);
  }
  return map;
}

}  // namespace

void write_task_map(const RunDir& run, const TaskMap& map) {
  const Plan plan = read_plan(run.plan());
  if (const auto existing = read_task_map(run, plan)) {
    if (existing->task_of_unit == map.task_of_unit) return;
    throw InputError(task_map_path(run).string() + ": the run is already mapped to " + std::to_string(existing->tasks) +
                     " tasks x " + std::to_string(existing->ranks_per_task) +
                     " ranks; giving another count would move units between tasks "
                     "(resubmit with `pipelines/submit.sh --resubmit RUN`, or plan into a new directory)");
  }
  write_file_atomically(task_map_path(run), to_json(map, plan).dump(1) + "\n");
}

std::optional<TaskMap> read_task_map(const RunDir& run, const Plan& plan) {
  const fs::path path = task_map_path(run);
  std::error_code error;
  if (!fs::exists(path, error)) return std::nullopt;
  try {
    return from_json(io::read_json_file(path), path, plan);
  } catch (const nlohmann::json::exception& e) {
    throw InputError(path.string() + ": " + e.what());
  }
}

}  // namespace infobound::pipeline

namespace infobound::pipeline {

dist::Worker resolve_worker_of_run(const dist::Session& session, std::optional<int> array_task, std::optional<int> array_count,
                                   const std::optional<TaskMap>& map, int64_t ranks_per_unit) {
  std::optional<long> task = array_task;
  if (!task)
    if (const char* id = std::getenv("SLURM_ARRAY_TASK_ID"); id && *id) {
      try {
        task = std::stol(id);
      } catch (const std::exception&) {
        throw InputError(std::string("SLURM_ARRAY_TASK_ID is not a number: '") + id + "'");
      }
    }
  if (!map || !task) return dist::resolve_worker(session, array_task, array_count, ranks_per_unit);
  if (*task < 0 || *task >= map->tasks)
    throw InputError("array task " + std::to_string(*task) + " is outside the run's task map 0.." +
                     std::to_string(map->tasks - 1) + " (tasks.json); submit the ids it lists");
  // A team of ranks_per_unit ranks is one worker (dist::Team), as in dist::resolve_worker.
  const dist::Worker plain = dist::resolve_worker(session, 0, 1, ranks_per_unit);
  dist::Worker worker;
  worker.rank = plain.rank;
  worker.size = plain.size;
  worker.array_task = static_cast<int>(*task);
  worker.array_count = static_cast<int>(map->tasks);
  return worker;
}

std::vector<int64_t> units_of_worker(const Plan& plan, const dist::Worker& worker, const TaskMap* map) {
  std::vector<int64_t> mine;
  if (!map) {
    for (const auto& unit : plan.units)
      if (worker.owns(unit.index)) mine.push_back(unit.index);
    return mine;
  }
  const std::vector<int64_t> task_units = map->units_of_task(worker.array_task);
  for (std::size_t j = 0; j < task_units.size(); ++j)
    if (static_cast<int64_t>(j) % worker.size == worker.rank) mine.push_back(task_units[j]);
  return mine;
}

std::vector<int64_t> units_of_task(const Plan& plan, const dist::Worker& worker, const TaskMap* map) {
  if (map) return map->units_of_task(worker.array_task);
  std::vector<int64_t> units;
  for (const auto& unit : plan.units)
    if ((unit.index % worker.count()) / worker.size == worker.array_task) units.push_back(unit.index);
  return units;
}

}  // namespace infobound::pipeline
