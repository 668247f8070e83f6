#pragma once
// A small pool of threads that runs scatters into the label tables while the caller goes on with
// the forward pass. Tasks are independent (each holds the lock of the layer it writes) and their
// order does not matter: the sums are exact integers.
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace infobound::estimate {

class AccumulateWorkers {
 public:
  // `threads` >= 1; at most `max_queued` tasks wait (submit blocks beyond that, bounding memory).
  explicit AccumulateWorkers(int64_t threads, int64_t max_queued = 64);
  ~AccumulateWorkers();
  AccumulateWorkers(const AccumulateWorkers&) = delete;
  AccumulateWorkers& operator=(const AccumulateWorkers&) = delete;

  void submit(std::function<void()> task);
  // Blocks until every submitted task has run; rethrows the first error a task threw.
  void wait();
  int64_t threads() const { return static_cast<int64_t>(threads_.size()); }

 private:
  void run();
  std::mutex mutex_;
  std::condition_variable work_ready_, space_ready_, all_done_;
  std::deque<std::function<void()>> queue_;
  int64_t max_queued_;
  int64_t running_ = 0;
  bool stopping_ = false;
  std::exception_ptr error_;
  std::vector<std::thread> threads_;
};

}  // namespace infobound::estimate
