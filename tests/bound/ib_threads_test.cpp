// The threads of the adaptive IB schedule (lib/bound/src/ib_threads.hpp): whole jobs on each
// thread, jobs that become ready as others end, idle threads helping a running job's loops.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <optional>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include "ib_threads.hpp"

namespace infobound::bound {
namespace {

TEST(IbThreads, ALoopOutsideJobsRunsEveryIterationOnceOnTheCaller) {
  IbThreads threads(3);
  std::vector<int> runs(100, 0);
  EXPECT_EQ(threads.parallel_for(100, [&](int64_t i) { ++runs[static_cast<std::size_t>(i)]; }), 1);
  for (const int r : runs) EXPECT_EQ(r, 1);
}

// One long job and nothing else to start: the other threads join its loops.
TEST(IbThreads, IdleThreadsHelpTheLoopsOfTheLastRunningJob) {
  IbThreads threads(3);
  std::vector<std::atomic<int>> runs(4000);
  int64_t most_threads = 0;
  std::set<std::thread::id> seen;
  std::mutex seen_mutex;
  bool started = false;
  threads.run([&]() -> std::optional<int64_t> {
        if (started) return std::nullopt;
        started = true;
        return 0;
      },
      [&](int64_t) {
        // Loops until helpers have had time to arrive, then one more to count them.
        for (int loop = 0; loop < 200 && most_threads < 3; ++loop) {
          for (auto& r : runs) r = 0;
          const int64_t took_part = threads.parallel_for(4000, [&](int64_t i) {
            runs[static_cast<std::size_t>(i)].fetch_add(1);
            std::this_thread::sleep_for(std::chrono::microseconds(2));
            const std::lock_guard lock(seen_mutex);
            seen.insert(std::this_thread::get_id());
          });
          most_threads = std::max(most_threads, took_part);
          for (const auto& r : runs) ASSERT_EQ(r.load(), 1);
        }
      },
      [](int64_t) {});
  EXPECT_EQ(most_threads, 3);
  EXPECT_EQ(seen.size(), 3u);
}

// A job that only becomes ready when two others are done starts after both, on whichever thread.
TEST(IbThreads, AJobStartsOnceTheJobsItNeedsAreDone) {
  IbThreads threads(2);
  std::vector<int64_t> pending{0, 1}, order;
  std::atomic<int> finished{0};
  int done_count = 0;
  std::mutex order_mutex;
  threads.run(
      [&]() -> std::optional<int64_t> {
        if (pending.empty()) return std::nullopt;
        const int64_t job = pending.front();
        pending.erase(pending.begin());
        return job;
      },
      [&](int64_t job) {
        if (job == 2) {
          EXPECT_EQ(finished.load(), 2);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(job == 0 ? 30 : 5));
        ++finished;
        const std::lock_guard lock(order_mutex);
        order.push_back(job);
      },
      [&](int64_t job) {
        if (job < 2 && ++done_count == 2) pending.push_back(2);
      });
  // Jobs 0 and 1 in either order (job 1 is shorter, but a loaded machine may start it late).
  ASSERT_EQ(order.size(), 3U);
  EXPECT_EQ(order[2], 2);
  EXPECT_EQ(std::min(order[0], order[1]), 0);
  EXPECT_EQ(std::max(order[0], order[1]), 1);
}

TEST(IbThreads, AJobsExceptionReachesTheCallerAfterTheOthersEnd) {
  IbThreads threads(2);
  int64_t next_job = 0;
  std::atomic<int> ran{0};
  EXPECT_THROW(threads.run([&]() -> std::optional<int64_t> { return next_job < 4 ? std::optional(next_job++) : std::nullopt; },
                           [&](int64_t job) {
                             ++ran;
                             if (job == 1) throw std::runtime_error("job 1 failed");
                           },
                           [](int64_t) {}),
               std::runtime_error);
  EXPECT_GE(ran.load(), 2);
}

TEST(IbThreads, ALoopsExceptionReachesItsOwnerAfterEveryIterationEnded) {
  IbThreads threads(2);
  std::atomic<int> iterations{0};
  bool started = false;
  EXPECT_THROW(threads.run([&]() -> std::optional<int64_t> { return started ? std::nullopt : std::optional<int64_t>((started = true, 0)); },
                           [&](int64_t) {
                             threads.parallel_for(50, [&](int64_t i) {
                               ++iterations;
                               if (i == 7) throw std::invalid_argument("iteration 7");
                             });
                           },
                           [](int64_t) {}),
               std::invalid_argument);
  EXPECT_EQ(iterations.load(), 50);
}

}  // namespace
}  // namespace infobound::bound
