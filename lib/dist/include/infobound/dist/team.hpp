#pragma once
// The ranks that share one unit (runtime.ranks_per_unit = R): consecutive world ranks
// [t*R, (t+1)*R) form team t. Members split the unit's batches and own its label keys by hash,
// exchanging rows with bounded, per-batch all-to-all messages. Without MPI, or with R = 1, a
// team is this process alone and every call is local.
#include <cstdint>
#include <vector>

#include "infobound/dist/session.hpp"

namespace infobound::dist {

class Team {
 public:
  Team(const Session& session, int64_t ranks_per_unit);
  ~Team();
  Team(const Team&) = delete;
  Team& operator=(const Team&) = delete;

  int rank() const { return rank_; }
  int size() const { return size_; }
  // The team's index among all teams and their number (a worker in dist::Worker's rule).
  int index() const { return index_; }
  int count() const { return count_; }

  // send[m] goes to member m; returns what each member sent here, by member.
  std::vector<std::vector<char>> exchange(const std::vector<std::vector<char>>& send) const;
  // Element-wise sum over the members (exact for integers), on every member.
  std::vector<int64_t> sum(const std::vector<int64_t>& values) const;
  // Every member's bytes, by member, on every member.
  std::vector<std::vector<char>> all_gather(const std::vector<char>& mine) const;
  bool all(bool value) const;

 private:
  int rank_ = 0, size_ = 1, index_ = 0, count_ = 1;
  void* comm_ = nullptr;  // MPI_Comm when size_ > 1 (kept opaque: mpi.h stays out of this header)
};

}  // namespace infobound::dist
