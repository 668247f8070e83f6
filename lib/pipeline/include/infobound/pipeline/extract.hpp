#pragma once
// `extract`: this worker's units (dist::Worker::owns; a worker is a team of runtime.ranks_per_unit
// ranks), each computed from its model over the whole corpus and written by the team's first rank
// to RUN/units/<unit-id>.h5 (temp file + fsync + rename). A complete unit file with the plan's
// config hash and the same model reference is kept; anything else is recomputed and said so.
#include <cstdint>
#include <string>
#include <vector>

#include "infobound/dist/session.hpp"
#include "infobound/dist/team.hpp"
#include "infobound/pipeline/run_dir.hpp"
#include "infobound/pipeline/task_map.hpp"

namespace infobound::pipeline {

struct ExtractOptions {
  int64_t threads = 0;                // torch threads; 0 = runtime.threads, else cores / ranks on the node
  int local_ranks = 1;                // ranks sharing this node
  int local_rank = 0;                 // this rank's index among them
  bool show_bar = true;               // this worker draws the terminal bar (rank 0)
  const TaskMap* task_map = nullptr;  // RUN/tasks.json when this worker is an array task of a mapped run
};

struct ExtractSummary {
  int64_t owned = 0;       // units of this worker (counted by a team's first rank only)
  int64_t computed = 0;    // computed now (no usable file before)
  int64_t skipped = 0;     // already complete
  int64_t recomputed = 0;  // a file was there but incomplete, corrupt or foreign (part of `computed`)
  int64_t tokens = 0;      // tokens fed to models
  double seconds = 0;
  std::vector<std::string> failed_units;  // recorded in RUN/failures/; the others went on
};

// Throws Interrupted on SIGTERM/SIGINT at a batch boundary (no partial unit is written). A unit
// that fails otherwise is recorded (run_status.hpp) and listed in failed_units; the others go on
// (with ranks sharing a unit, a failure stops the team instead: its members are in collective calls).
// Every member of `team` calls this together (they share each unit's batches).
ExtractSummary extract_units(const PlannedRun& run_plan, const RunDir& run, const dist::Worker& worker, const dist::Team& team,
                             const ExtractOptions& options);

// CPUs this process may run on (its affinity mask).
int64_t cpus_of_job();
// Torch threads per rank when none are configured: SLURM_CPUS_PER_TASK (capped by the affinity
// mask) under Slurm, else the affinity mask's CPUs divided among the ranks on this node.
int64_t threads_for_job_cpus(int local_ranks);

// The device a rank runs its models on: runtime.device as configured, except that a bare "cuda"
// on a node whose ranks see several GPUs gives local rank r the GPU r mod visible_gpus (mpirun
// starts every rank with every GPU visible; srun --gpus-per-task leaves each rank only its own).
std::string device_for_local_rank(const std::string& configured, int local_rank, int64_t visible_gpus);

// Why an existing unit file cannot be kept ("" when it can): reads and verifies all of it.
std::string unit_file_problem(const RunDir& run, const Plan& plan, const PlanUnit& unit);
// The same from the root attributes only (no checksum): for a quick survey of a run.
std::string unit_header_problem(const RunDir& run, const Plan& plan, const PlanUnit& unit);

}  // namespace infobound::pipeline
