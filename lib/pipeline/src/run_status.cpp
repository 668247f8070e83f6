#include "infobound/pipeline/run_status.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <map>
#include <new>
#include <set>

#include <c10/util/Exception.h>
#include <nlohmann/json.hpp>

#include "infobound/core/atomic_file.hpp"
#include "infobound/core/error.hpp"
#include "infobound/io/json_file.hpp"
#include "infobound/pipeline/extract.hpp"

namespace infobound::pipeline {
namespace fs = std::filesystem;
namespace {

std::string host_name() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) return "unknown";
  return host;
}

std::string iso_time(int64_t epoch) {
  const std::time_t t = static_cast<std::time_t>(epoch);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

bool mentions_out_of_memory(const std::string& message) {
  std::string lower = message;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower.find("out of memory") != std::string::npos || lower.find("failed to allocate") != std::string::npos;
}

std::vector<fs::path> json_files_in(const fs::path& dir) {
  std::vector<fs::path> files;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(dir, error))
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

fs::path failures_dir(const RunDir& run) { return run.root / "failures"; }
fs::path heartbeats_dir(const RunDir& run) { return run.root / "heartbeats"; }

int64_t now_epoch_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

UnitFailure describe_failure(const std::string& unit_id, const std::exception_ptr& error, const std::string& worker) {
  UnitFailure failure;
  failure.unit = unit_id;
  failure.worker = worker;
  try {
    std::rethrow_exception(error);
  } catch (const InputError& e) {
    failure.reason = "input";
    failure.message = e.what();
  } catch (const std::bad_alloc& e) {
    failure.reason = "out_of_memory";
    failure.message = std::string("memory allocation failed (") + e.what() + ")";
  } catch (const c10::Error& e) {
    // torch's message without its C++ backtrace: the backtrace helps nobody reading the record.
    failure.message = e.what_without_backtrace();
    failure.reason = mentions_out_of_memory(failure.message) ? "out_of_memory" : "torch";
  } catch (const std::exception& e) {
    failure.message = e.what();
    failure.reason = mentions_out_of_memory(failure.message) ? "out_of_memory" : "error";
  } catch (...) {
    failure.reason = "error";
    failure.message = "unknown exception";
  }
  failure.host = host_name();
  failure.epoch = now_epoch_seconds();
  failure.time = iso_time(failure.epoch);
  return failure;
}

void record_unit_failure(const RunDir& run, const UnitFailure& failure) {
  fs::create_directories(failures_dir(run));
  const nlohmann::json json = {{"unit", failure.unit},     {"reason", failure.reason}, {"message", failure.message},
                               {"worker", failure.worker}, {"host", failure.host},     {"time", failure.time},
                               {"epoch", failure.epoch}};
  write_file_atomically(failures_dir(run) / (failure.unit + ".json"), json.dump(1) + "\n");
}

void clear_unit_failure(const RunDir& run, const std::string& unit_id) {
  std::error_code error;
  fs::remove(failures_dir(run) / (unit_id + ".json"), error);
}

std::vector<UnitFailure> read_unit_failures(const RunDir& run) {
  std::vector<UnitFailure> failures;
  for (const auto& path : json_files_in(failures_dir(run))) {
    UnitFailure failure;
    failure.unit = path.stem().string();
    try {
      const nlohmann::json json = io::read_json_file(path);
      failure.reason = json.value("reason", "");
      failure.message = json.value("message", "");
      failure.worker = json.value("worker", "");
      failure.host = json.value("host", "");
      failure.time = json.value("time", "");
      failure.epoch = json.value("epoch", int64_t{0});
    } catch (const std::exception& e) {
      failure.reason = "unreadable record";
      failure.message = e.what();
    }
    failures.push_back(std::move(failure));
  }
  return failures;
}

std::string worker_name(int64_t array_task, int64_t rank, bool in_array) {
  return (in_array ? "task-" + std::to_string(array_task) + "-" : std::string()) + "rank-" + std::to_string(rank);
}

void write_heartbeat(const RunDir& run, WorkerHeartbeat heartbeat) {
  heartbeat.host = host_name();
  heartbeat.pid = static_cast<int64_t>(::getpid());
  heartbeat.epoch = now_epoch_seconds();
  heartbeat.time = iso_time(heartbeat.epoch);
  const nlohmann::json json = {{"worker", heartbeat.worker},
                               {"host", heartbeat.host},
                               {"pid", heartbeat.pid},
                               {"slurm_job", heartbeat.slurm_job},
                               {"state", heartbeat.state},
                               {"current_unit", heartbeat.current_unit},
                               {"units_owned", heartbeat.units_owned},
                               {"units_done", heartbeat.units_done},
                               {"units_failed", heartbeat.units_failed},
                               {"tokens_per_second", heartbeat.tokens_per_second},
                               {"eta_seconds", heartbeat.eta_seconds},
                               {"interval_seconds", heartbeat.interval_seconds},
                               {"time", heartbeat.time},
                               {"epoch", heartbeat.epoch}};
  fs::create_directories(heartbeats_dir(run));
  write_file_atomically(heartbeats_dir(run) / (heartbeat.worker + ".json"), json.dump(1) + "\n");
}

std::vector<WorkerHeartbeat> read_heartbeats(const RunDir& run) {
  std::vector<WorkerHeartbeat> beats;
  for (const auto& path : json_files_in(heartbeats_dir(run))) {
    WorkerHeartbeat h;
    h.worker = path.stem().string();
    try {
      const nlohmann::json json = io::read_json_file(path);
      h.host = json.value("host", "");
      h.pid = json.value("pid", int64_t{0});
      h.slurm_job = json.value("slurm_job", "");
      h.state = json.value("state", "");
      h.current_unit = json.value("current_unit", "");
      h.units_owned = json.value("units_owned", int64_t{0});
      h.units_done = json.value("units_done", int64_t{0});
      h.units_failed = json.value("units_failed", int64_t{0});
      h.tokens_per_second = json.value("tokens_per_second", 0.0);
      h.eta_seconds = json.value("eta_seconds", -1.0);
      h.interval_seconds = json.value("interval_seconds", 60.0);
      h.time = json.value("time", "");
      h.epoch = json.value("epoch", int64_t{0});
    } catch (const std::exception& e) {
      h.state = "unreadable";
    }
    beats.push_back(std::move(h));
  }
  return beats;
}

HeartbeatWriter::HeartbeatWriter(RunDir run, WorkerHeartbeat base, std::function<void(WorkerHeartbeat&)> update)
    : run_(std::move(run)), base_(std::move(base)), update_(std::move(update)) {
  base_.state = "running";
  beat();
  thread_ = std::thread([this] {
    const auto period = std::chrono::milliseconds(static_cast<int64_t>(std::max(0.1, base_.interval_seconds) * 1000));
    std::unique_lock lock(mutex_);
    while (!wake_.wait_for(lock, period, [this] { return finished_; })) {
      lock.unlock();
      beat();
      lock.lock();
    }
  });
}

HeartbeatWriter::~HeartbeatWriter() {
  try {
    finish("crashed");
  } catch (...) {
    // A heartbeat is advisory: never let it replace the error that is unwinding.
  }
}

void HeartbeatWriter::finish(const std::string& state) {
  {
    std::lock_guard lock(mutex_);
    if (finished_) return;
    finished_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  base_.state = state;
  beat();
}

void HeartbeatWriter::beat() {
  WorkerHeartbeat heartbeat = base_;
  update_(heartbeat);
  try {
    write_heartbeat(run_, heartbeat);
  } catch (const std::exception&) {
    // A full or read-only disk shows up in the unit writes; a missed heartbeat only looks stale.
  }
}

const char* to_string(UnitState state) {
  switch (state) {
    case UnitState::done: return "done";
    case UnitState::failed: return "failed";
    case UnitState::running: return "running";
    case UnitState::pending: return "pending";
  }
  return "?";
}

RunStatus collect_status(const Plan& plan, const RunDir& run, int64_t now_epoch) {
  RunStatus status;
  status.units = static_cast<int64_t>(plan.units.size());

  std::set<std::string> running_units, stale_units;
  for (auto& beat : read_heartbeats(run)) {
    WorkerStatus worker;
    worker.age_seconds = static_cast<double>(now_epoch - beat.epoch);
    worker.stale = beat.state == "running" && worker.age_seconds > kStaleIntervals * std::max(1.0, beat.interval_seconds);
    if (beat.state == "running" && !beat.current_unit.empty())
      (worker.stale ? stale_units : running_units).insert(beat.current_unit);
    worker.heartbeat = std::move(beat);
    status.workers.push_back(std::move(worker));
  }
  std::map<std::string, UnitFailure> failed;
  for (auto& failure : read_unit_failures(run)) failed.emplace(failure.unit, std::move(failure));

  for (const auto& unit : plan.units) {
    UnitState state = UnitState::pending;
    if (unit_header_problem(run, plan, unit).empty()) state = UnitState::done;
    else if (running_units.count(unit.id)) state = UnitState::running;
    else if (failed.count(unit.id)) state = UnitState::failed;
    status.unit_states.push_back(state);
    if (status.checkpoints.empty() || status.checkpoints.back().model != unit.model ||
        status.checkpoints.back().checkpoint != unit.checkpoint)
      status.checkpoints.push_back({unit.model, unit.checkpoint});
    CheckpointStatus& c = status.checkpoints.back();
    switch (state) {
      case UnitState::done: ++c.done, ++status.done; break;
      case UnitState::failed: ++c.failed, ++status.failed, status.failures.push_back(failed.at(unit.id)); break;
      case UnitState::running: ++c.running, ++status.running; break;
      case UnitState::pending: ++c.pending, ++status.pending; break;
    }
    if (state != UnitState::done && stale_units.count(unit.id)) status.stale_units.push_back(unit.id);
  }

  if (const auto map = read_task_map(run, plan)) {
    status.has_task_map = true;
    std::set<int64_t> tasks;
    for (std::size_t i = 0; i < plan.units.size(); ++i)
      if (status.unit_states[i] != UnitState::done) tasks.insert(map->task_of_unit[i]);
    status.tasks_with_work.assign(tasks.begin(), tasks.end());
  }
  return status;
}

}  // namespace infobound::pipeline
