#pragma once
// The process's place in a parallel run. MPI is initialised only when a launcher started us
// (mpirun, srun --mpi=pmix, ...), so a plain `infobound run` needs no MPI runtime at all.
// Slurm array tasks are independent jobs: they share no communicator and coordinate only
// through the run directory (each takes its own units by the rule below).
#include <cstdint>
#include <optional>
#include <string>

namespace infobound::dist {

class Session {
 public:
  Session();
  // Finalises MPI on a normal exit. While an exception unwinds (one rank failed), MPI is not
  // finalised: the launcher then stops the other ranks instead of leaving them blocked.
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  bool uses_mpi() const { return mpi_; }
  int rank() const { return rank_; }
  int size() const { return size_; }
  // Ranks sharing this node (for dividing the node's cores among them).
  int local_size() const { return local_size_; }
  // This rank's index among them (for giving each its own GPU).
  int local_rank() const { return local_rank_; }

  void barrier() const;
  int64_t sum(int64_t value) const;
  double max(double value) const;
  bool all(bool value) const;
  // Rank 0's text on every rank.
  std::string broadcast(const std::string& text_on_rank0) const;
  // Rank 0 runs `step`; if it throws InputError, every rank throws the same message.
  template <typename Step>
  void on_rank0_then_share_errors(Step&& step) const;

 private:
  std::string broadcast_error(const std::string& message_on_rank0) const;
  bool mpi_ = false;
  int rank_ = 0;
  int size_ = 1;
  int local_size_ = 1;
  int local_rank_ = 0;
};

// True when the environment shows an MPI launcher.
bool launched_by_mpi();

// A worker is one team (runtime.ranks_per_unit ranks; usually one rank) of one array task;
// workers are numbered task-major.
struct Worker {
  int rank = 0;
  int size = 1;
  int array_task = 0;
  int array_count = 1;
  int64_t index() const { return static_cast<int64_t>(array_task) * size + rank; }
  int64_t count() const { return static_cast<int64_t>(array_count) * size; }
  // The deterministic rule: unit i (plan order) belongs to worker i mod count. Round robin
  // spreads the shards of each model over workers, which balances the load across model sizes.
  bool owns(int64_t unit_index) const { return unit_index % count() == index(); }
  std::string describe() const;
};

// --array-task/--array-count when given, else SLURM_ARRAY_TASK_ID (minus SLURM_ARRAY_TASK_MIN,
// divided by SLURM_ARRAY_TASK_STEP) and SLURM_ARRAY_TASK_COUNT, else a single task.
// Throws InputError on inconsistent values.
// With ranks_per_unit R, consecutive ranks form one worker (dist::Team).
Worker resolve_worker(const Session& session, std::optional<int> array_task, std::optional<int> array_count,
                      int64_t ranks_per_unit = 1);

}  // namespace infobound::dist

#include "infobound/core/error.hpp"

namespace infobound::dist {
template <typename Step>
void Session::on_rank0_then_share_errors(Step&& step) const {
  std::string message;
  if (rank_ == 0) {
    try {
      step();
    } catch (const InputError& e) {
      if (size_ == 1) throw;
      message = e.what();
      if (message.empty()) message = "error";
    }
  }
  if (size_ == 1) return;
  message = broadcast_error(message);
  if (!message.empty()) throw InputError(message);
}
}  // namespace infobound::dist
