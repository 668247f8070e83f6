#pragma once
// The threads of the adaptive IB schedule. Each runs whole jobs (a restart's forward phase, a
// curve's reverse pass); a thread with no job left to start helps the running jobs with their
// parallel loops, so the last job of a batch still uses every core and no thread waits for a
// round to end. A loop's iterations write their results to their own places, so which thread
// runs an iteration never changes a result.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <vector>

namespace infobound::bound {

class IbThreads {
 public:
  explicit IbThreads(int64_t n_threads);

  int64_t size() const { return n_threads_; }

  // Runs body(i) for every i in [0, n) on the calling thread and on any idle threads; returns how
  // many threads took part. An exception from body is rethrown here, after every iteration ended.
  int64_t parallel_for(int64_t n, const std::function<void(int64_t)>& body);

  // Runs jobs on size() threads, the caller one of them, until next() gives none and none runs.
  // next() and done(job) are called under the threads' lock: next() sees every done() before it.
  // The first exception of a job is rethrown once every thread has stopped.
  void run(const std::function<std::optional<int64_t>()>& next, const std::function<void(int64_t)>& run_job,
           const std::function<void(int64_t)>& done);

 private:
  struct Loop {
    const std::function<void(int64_t)>* body;
    int64_t n;
    std::atomic<int64_t> next{0};
    std::atomic<int64_t> helpers{0};       // threads inside the loop besides its owner
    std::atomic<int64_t> participants{1};  // threads that ran an iteration, the owner counted
    std::mutex error_mutex;
    std::exception_ptr error;
  };
  static void run_iterations(Loop& loop, bool helper);
  Loop* loop_with_most_left() const;  // under mutex_; nullptr when no listed loop has one left
  void work(const std::function<std::optional<int64_t>()>& next, const std::function<void(int64_t)>& run_job,
            const std::function<void(int64_t)>& done);

  int64_t n_threads_;
  std::mutex mutex_;
  std::condition_variable wake_;  // a loop was opened or a job ended
  std::vector<Loop*> loops_;      // loops open to helpers
  std::atomic<int64_t> idle_{0};  // threads with no job, helping or waiting
  int64_t running_ = 0;           // jobs running
  std::exception_ptr job_error_;
};

}  // namespace infobound::bound
