#include "infobound/dist/session.hpp"

#include <mpi.h>

#include "mpi_check.hpp"

#include <cstdlib>
#include <exception>
#include <string>

#include "infobound/core/error.hpp"

namespace infobound::dist {
namespace {

std::optional<long> env_integer(const char* name) {
  const char* text = std::getenv(name);
  if (!text || !*text) return std::nullopt;
  char* end = nullptr;
  const long value = std::strtol(text, &end, 10);
  if (*end != '\0') throw InputError(std::string("environment variable ") + name + "='" + text + "' is not an integer");
  return value;
}

using detail::check_mpi;

}  // namespace

bool launched_by_mpi() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"})
    if (const char* v = std::getenv(name); v && *v) return true;
  return false;
}

Session::Session() {
  if (!launched_by_mpi()) return;
  int initialised = 0;
  MPI_Initialized(&initialised);
  if (!initialised) {
    int provided = 0;
    check_mpi(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
  }
  mpi_ = true;
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  check_mpi(MPI_Comm_rank(MPI_COMM_WORLD, &rank_), "MPI_Comm_rank");
  check_mpi(MPI_Comm_size(MPI_COMM_WORLD, &size_), "MPI_Comm_size");
  MPI_Comm local;
  check_mpi(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &local), "MPI_Comm_split_type");
  MPI_Comm_size(local, &local_size_);
  MPI_Comm_rank(local, &local_rank_);
  MPI_Comm_free(&local);
}

Session::~Session() {
  if (!mpi_ || std::uncaught_exceptions() > 0) return;
  int finalised = 0;
  MPI_Finalized(&finalised);
  if (!finalised) MPI_Finalize();
}

void Session::barrier() const {
  if (mpi_) check_mpi(MPI_Barrier(MPI_COMM_WORLD), "MPI_Barrier");
}

int64_t Session::sum(int64_t value) const {
  if (!mpi_) return value;
  int64_t total = 0;
  check_mpi(MPI_Allreduce(&value, &total, 1, MPI_INT64_T, MPI_SUM, MPI_COMM_WORLD), "MPI_Allreduce");
  return total;
}

double Session::max(double value) const {
  if (!mpi_) return value;
  double result = 0;
  check_mpi(MPI_Allreduce(&value, &result, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD), "MPI_Allreduce");
  return result;
}

bool Session::all(bool value) const {
  if (!mpi_) return value;
  int mine = value ? 1 : 0, result = 0;
  check_mpi(MPI_Allreduce(&mine, &result, 1, MPI_INT, MPI_LAND, MPI_COMM_WORLD), "MPI_Allreduce");
  return result != 0;
}

std::string Session::broadcast(const std::string& text_on_rank0) const {
  if (!mpi_) return text_on_rank0;
  int64_t length = rank_ == 0 ? static_cast<int64_t>(text_on_rank0.size()) : 0;
  check_mpi(MPI_Bcast(&length, 1, MPI_INT64_T, 0, MPI_COMM_WORLD), "MPI_Bcast");
  std::string text = rank_ == 0 ? text_on_rank0 : std::string(static_cast<std::size_t>(length), '\0');
  if (length > 0) check_mpi(MPI_Bcast(text.data(), static_cast<int>(length), MPI_CHAR, 0, MPI_COMM_WORLD), "MPI_Bcast");
  return text;
}

std::string Session::broadcast_error(const std::string& message_on_rank0) const { return broadcast(message_on_rank0); }

std::string Worker::describe() const {
  std::string text = "rank " + std::to_string(rank) + "/" + std::to_string(size);
  if (array_count > 1) text += ", array task " + std::to_string(array_task) + "/" + std::to_string(array_count);
  return text;
}

Worker resolve_worker(const Session& session, std::optional<int> array_task, std::optional<int> array_count,
                      int64_t ranks_per_unit) {
  if (ranks_per_unit < 1 || session.size() % ranks_per_unit != 0)
    throw InputError("runtime.ranks_per_unit is " + std::to_string(ranks_per_unit) + " but the run has " +
                     std::to_string(session.size()) + " ranks: start a multiple of it");
  Worker worker;
  worker.rank = session.rank() / static_cast<int>(ranks_per_unit);
  worker.size = session.size() / static_cast<int>(ranks_per_unit);
  if (array_task.has_value() != array_count.has_value()) throw UsageError("--array-task and --array-count go together");
  if (array_task) {
    worker.array_task = *array_task;
    worker.array_count = *array_count;
  } else if (const auto id = env_integer("SLURM_ARRAY_TASK_ID")) {
    const long min = env_integer("SLURM_ARRAY_TASK_MIN").value_or(0);
    const long step = env_integer("SLURM_ARRAY_TASK_STEP").value_or(1);
    const auto count = env_integer("SLURM_ARRAY_TASK_COUNT");
    if (!count) throw InputError("SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not");
    worker.array_task = static_cast<int>((*id - min) / (step > 0 ? step : 1));
    worker.array_count = static_cast<int>(*count);
  }
  if (worker.array_count < 1 || worker.array_task < 0 || worker.array_task >= worker.array_count)
    throw InputError("array task " + std::to_string(worker.array_task) + " is outside 0.." +
                     std::to_string(worker.array_count - 1) + " (--array-task/--array-count or SLURM_ARRAY_TASK_*)");
  return worker;
}

}  // namespace infobound::dist
