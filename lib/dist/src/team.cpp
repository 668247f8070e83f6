#include "infobound/dist/team.hpp"

#include <mpi.h>

#include "mpi_check.hpp"

#include <limits>
#include <numeric>
#include <string>

#include "infobound/core/error.hpp"

namespace infobound::dist {
namespace {

using detail::check_mpi;

MPI_Comm& as_comm(void* comm) { return *static_cast<MPI_Comm*>(comm); }

int checked_count(std::size_t bytes) {
  if (bytes > static_cast<std::size_t>(std::numeric_limits<int>::max()))
    throw std::runtime_error("a team message of " + std::to_string(bytes) +
                             " bytes exceeds MPI's int counts; use a smaller batch_size");
  return static_cast<int>(bytes);
}

}  // namespace

Team::Team(const Session& session, int64_t ranks_per_unit) {
  if (ranks_per_unit < 1) throw InputError("runtime.ranks_per_unit must be >= 1");
  if (session.size() % ranks_per_unit != 0)
    throw InputError("runtime.ranks_per_unit is " + std::to_string(ranks_per_unit) + " but the run has " +
                     std::to_string(session.size()) + " ranks: start a multiple of " + std::to_string(ranks_per_unit) + " ranks");
  const auto r = static_cast<int>(ranks_per_unit);
  index_ = session.rank() / r;
  count_ = session.size() / r;
  rank_ = session.rank() % r;
  size_ = r;
  if (size_ == 1 || !session.uses_mpi()) {
    if (size_ > 1) throw InputError("runtime.ranks_per_unit > 1 needs an MPI launch (mpirun or srun)");
    return;
  }
  auto* comm = new MPI_Comm;
  check_mpi(MPI_Comm_split(MPI_COMM_WORLD, index_, rank_, comm), "MPI_Comm_split");
  MPI_Comm_set_errhandler(*comm, MPI_ERRORS_RETURN);
  comm_ = comm;
}

Team::~Team() {
  if (!comm_) return;
  int finalised = 0;
  MPI_Finalized(&finalised);
  if (!finalised) MPI_Comm_free(&as_comm(comm_));
  delete static_cast<MPI_Comm*>(comm_);
}

std::vector<std::vector<char>> Team::exchange(const std::vector<std::vector<char>>& send) const {
  if (static_cast<int>(send.size()) != size_) throw std::logic_error("Team::exchange needs one buffer per member");
  if (!comm_) return send;
  std::vector<int> send_counts(size_), send_offsets(size_), receive_counts(size_), receive_offsets(size_);
  std::vector<char> out;
  for (int m = 0; m < size_; ++m) {
    send_counts[m] = checked_count(send[m].size());
    send_offsets[m] = checked_count(out.size());
    out.insert(out.end(), send[m].begin(), send[m].end());
  }
  check_mpi(MPI_Alltoall(send_counts.data(), 1, MPI_INT, receive_counts.data(), 1, MPI_INT, as_comm(comm_)), "MPI_Alltoall");
  std::size_t total = 0;
  for (int m = 0; m < size_; ++m) {
    receive_offsets[m] = checked_count(total);
    total += static_cast<std::size_t>(receive_counts[m]);
  }
  std::vector<char> in(total);
  check_mpi(MPI_Alltoallv(out.data(), send_counts.data(), send_offsets.data(), MPI_CHAR, in.data(), receive_counts.data(),
                          receive_offsets.data(), MPI_CHAR, as_comm(comm_)),
            "MPI_Alltoallv");
  std::vector<std::vector<char>> received(static_cast<std::size_t>(size_));
  for (int m = 0; m < size_; ++m)
    received[m].assign(in.begin() + receive_offsets[m], in.begin() + receive_offsets[m] + receive_counts[m]);
  return received;
}

std::vector<int64_t> Team::sum(const std::vector<int64_t>& values) const {
  if (!comm_ || values.empty()) return values;
  std::vector<int64_t> total(values.size());
  check_mpi(MPI_Allreduce(values.data(), total.data(), checked_count(values.size()), MPI_INT64_T, MPI_SUM, as_comm(comm_)),
            "MPI_Allreduce");
  return total;
}

std::vector<std::vector<char>> Team::all_gather(const std::vector<char>& mine) const {
  if (!comm_) return {mine};
  int count = checked_count(mine.size());
  std::vector<int> counts(static_cast<std::size_t>(size_)), offsets(static_cast<std::size_t>(size_));
  check_mpi(MPI_Allgather(&count, 1, MPI_INT, counts.data(), 1, MPI_INT, as_comm(comm_)), "MPI_Allgather");
  std::size_t total = 0;
  for (int m = 0; m < size_; ++m) {
    offsets[m] = checked_count(total);
    total += static_cast<std::size_t>(counts[m]);
  }
  std::vector<char> all(total);
  check_mpi(MPI_Allgatherv(mine.data(), count, MPI_CHAR, all.data(), counts.data(), offsets.data(), MPI_CHAR, as_comm(comm_)),
            "MPI_Allgatherv");
  std::vector<std::vector<char>> out(static_cast<std::size_t>(size_));
  for (int m = 0; m < size_; ++m) out[m].assign(all.begin() + offsets[m], all.begin() + offsets[m] + counts[m]);
  return out;
}

bool Team::all(bool value) const {
  if (!comm_) return value;
  int mine = value ? 1 : 0, result = 0;
  check_mpi(MPI_Allreduce(&mine, &result, 1, MPI_INT, MPI_LAND, as_comm(comm_)), "MPI_Allreduce");
  return result != 0;
}

}  // namespace infobound::dist
