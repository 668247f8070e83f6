#pragma once
// What a run directory says about its progress, for `infobound status` and the Slurm chain:
//   RUN/failures/<unit-id>.json   one per unit whose last attempt failed (removed when it succeeds)
//   RUN/heartbeats/<worker>.json  one per worker, rewritten every runtime.heartbeat_seconds
// Both are small JSON files written atomically (temp file + rename), so a reader on a login
// node never sees half of one. Layouts: docs/interfaces.md.
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "infobound/pipeline/run_dir.hpp"
#include "infobound/pipeline/task_map.hpp"

namespace infobound::pipeline {

std::filesystem::path failures_dir(const RunDir& run);
std::filesystem::path heartbeats_dir(const RunDir& run);

struct UnitFailure {
  std::string unit;
  std::string reason;   // input | out_of_memory | torch | error
  std::string message;  // the full message
  std::string worker;
  std::string host;
  std::string time;   // UTC, ISO 8601
  int64_t epoch = 0;  // seconds since 1970
};

// Classifies an exception thrown by one unit (never Interrupted: that one stops the worker).
UnitFailure describe_failure(const std::string& unit_id, const std::exception_ptr& error, const std::string& worker);
void record_unit_failure(const RunDir& run, const UnitFailure& failure);
void clear_unit_failure(const RunDir& run, const std::string& unit_id);
// All failure records, by unit id. An unreadable record is returned with reason "unreadable record".
std::vector<UnitFailure> read_unit_failures(const RunDir& run);

struct WorkerHeartbeat {
  std::string worker;  // file name: stable across requeues of the same array task and rank
  std::string host;
  int64_t pid = 0;
  std::string slurm_job;     // SLURM_JOB_ID (and array task) when under Slurm
  std::string state;         // running | finished | failed_units | interrupted | crashed
  std::string current_unit;  // "" between units
  int64_t units_owned = 0;
  int64_t units_done = 0;  // computed or already complete
  int64_t units_failed = 0;
  double tokens_per_second = 0;
  double eta_seconds = -1;  // -1: unknown
  double interval_seconds = 60;
  std::string time;
  int64_t epoch = 0;
};

std::string worker_name(int64_t array_task, int64_t rank, bool in_array);
void write_heartbeat(const RunDir& run, WorkerHeartbeat heartbeat);  // stamps host, pid, time
std::vector<WorkerHeartbeat> read_heartbeats(const RunDir& run);

// Rewrites one worker's heartbeat file every interval from a background thread (at once on
// start), filling the changing fields from `update` each time; finish() writes the final state.
class HeartbeatWriter {
 public:
  HeartbeatWriter(RunDir run, WorkerHeartbeat base, std::function<void(WorkerHeartbeat&)> update);
  ~HeartbeatWriter();  // finish("crashed") unless finish() was called: an exception is unwinding
  HeartbeatWriter(const HeartbeatWriter&) = delete;
  HeartbeatWriter& operator=(const HeartbeatWriter&) = delete;
  void finish(const std::string& state);

 private:
  void beat();
  RunDir run_;
  WorkerHeartbeat base_;
  std::function<void(WorkerHeartbeat&)> update_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool finished_ = false;
  std::thread thread_;
};

// A heartbeat older than this many intervals means a dead worker.
constexpr double kStaleIntervals = 3;

enum class UnitState { done, failed, running, pending };
const char* to_string(UnitState state);

struct CheckpointStatus {
  std::string model, checkpoint;
  int64_t done = 0, failed = 0, running = 0, pending = 0;
};

struct WorkerStatus {
  WorkerHeartbeat heartbeat;
  double age_seconds = 0;
  bool stale = false;  // still "running" but silent for kStaleIntervals intervals
};

struct RunStatus {
  int64_t units = 0, done = 0, failed = 0, running = 0, pending = 0;
  std::vector<CheckpointStatus> checkpoints;  // plan order
  std::vector<WorkerStatus> workers;          // by name
  std::vector<UnitFailure> failures;          // units failed and not done since
  std::vector<std::string> stale_units;       // units named by stale workers
  std::vector<int64_t> tasks_with_work;       // from RUN/tasks.json; empty without one
  bool has_task_map = false;
  std::vector<UnitState> unit_states;  // plan order
};

// Surveys unit headers (not whole files), failure records and heartbeats as of `now_epoch`.
RunStatus collect_status(const Plan& plan, const RunDir& run, int64_t now_epoch);

int64_t now_epoch_seconds();

}  // namespace infobound::pipeline
