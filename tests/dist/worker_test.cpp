#include <gtest/gtest.h>

#include <cstdlib>
#include <set>

#include "infobound/core/error.hpp"
#include "infobound/dist/session.hpp"

using namespace infobound;
using namespace infobound::dist;

TEST(Worker, EveryUnitHasExactlyOneOwner) {
  for (int ranks : {1, 2, 3}) {
    for (int tasks : {1, 4}) {
      for (int64_t unit = 0; unit < 50; ++unit) {
        int owners = 0;
        for (int task = 0; task < tasks; ++task)
          for (int rank = 0; rank < ranks; ++rank) owners += Worker{rank, ranks, task, tasks}.owns(unit);
        EXPECT_EQ(owners, 1) << unit;
      }
    }
  }
  EXPECT_TRUE((Worker{1, 2, 1, 3}.owns(3)));  // worker index 1*2+1 = 3 of 6
}

TEST(Worker, ReadsSlurmArrayEnvironmentAndOptions) {
  const Session session;  // not launched by MPI in a unit test
  EXPECT_FALSE(session.uses_mpi());
  ::setenv("SLURM_ARRAY_TASK_ID", "7", 1);
  ::setenv("SLURM_ARRAY_TASK_MIN", "5", 1);
  ::setenv("SLURM_ARRAY_TASK_COUNT", "4", 1);
  Worker w = resolve_worker(session, std::nullopt, std::nullopt);
  EXPECT_EQ(w.array_task, 2);
  EXPECT_EQ(w.array_count, 4);
  w = resolve_worker(session, 1, 2);  // options win
  EXPECT_EQ(w.array_task, 1);
  EXPECT_EQ(w.array_count, 2);
  ::setenv("SLURM_ARRAY_TASK_ID", "12", 1);
  EXPECT_THROW(resolve_worker(session, std::nullopt, std::nullopt), InputError);
  for (const char* name : {"SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_MIN", "SLURM_ARRAY_TASK_COUNT"}) ::unsetenv(name);
  EXPECT_THROW(resolve_worker(session, 1, std::nullopt), UsageError);
  EXPECT_EQ(resolve_worker(session, std::nullopt, std::nullopt).count(), 1);
}
