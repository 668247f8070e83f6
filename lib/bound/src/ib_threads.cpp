#include "ib_threads.hpp"

#include <algorithm>
#include <thread>

namespace infobound::bound {

IbThreads::IbThreads(int64_t n_threads) : n_threads_(std::max<int64_t>(1, n_threads)) {}

void IbThreads::run_iterations(Loop& loop, bool helper) {
  bool counted = !helper;
  for (int64_t i = loop.next.fetch_add(1); i < loop.n; i = loop.next.fetch_add(1)) {
    if (!counted) {
      loop.participants.fetch_add(1);
      counted = true;
    }
    try {
      (*loop.body)(i);
    } catch (...) {
      const std::lock_guard lock(loop.error_mutex);
      if (!loop.error) loop.error = std::current_exception();
    }
  }
}

int64_t IbThreads::parallel_for(int64_t n, const std::function<void(int64_t)>& body) {
  // With no thread idle, opening the loop to helpers would only cost the locking.
  if (n <= 1 || n_threads_ == 1 || idle_.load() == 0) {
    std::exception_ptr error;
    for (int64_t i = 0; i < n; ++i) try {
        body(i);
      } catch (...) {
        if (!error) error = std::current_exception();
      }
    if (error) std::rethrow_exception(error);
    return 1;
  }
  Loop loop;
  loop.body = &body;
  loop.n = n;
  {
    const std::lock_guard lock(mutex_);
    loops_.push_back(&loop);
  }
  wake_.notify_all();
  run_iterations(loop, false);
  {
    const std::lock_guard lock(mutex_);
    loops_.erase(std::find(loops_.begin(), loops_.end(), &loop));
  }
  // Helpers that joined before the loop closed may still run their last iteration.
  while (loop.helpers.load() > 0) std::this_thread::yield();
  if (loop.error) std::rethrow_exception(loop.error);
  return loop.participants.load();
}

IbThreads::Loop* IbThreads::loop_with_most_left() const {
  Loop* most = nullptr;
  int64_t most_left = 0;
  for (Loop* loop : loops_)
    if (const int64_t left = loop->n - loop->next.load(); left > most_left) {
      most = loop;
      most_left = left;
    }
  return most;
}

void IbThreads::work(const std::function<std::optional<int64_t>()>& next, const std::function<void(int64_t)>& run_job,
                     const std::function<void(int64_t)>& done) {
  std::unique_lock lock(mutex_);
  while (true) {
    if (const std::optional<int64_t> job = job_error_ ? std::nullopt : next()) {
      ++running_;
      lock.unlock();
      std::exception_ptr error;
      try {
        run_job(*job);
      } catch (...) {
        error = std::current_exception();
      }
      lock.lock();
      --running_;
      if (error && !job_error_) job_error_ = error;
      if (!error) done(*job);
      wake_.notify_all();
      continue;
    }
    if (running_ == 0) break;  // nothing to start and nothing running: nothing will come
    idle_.fetch_add(1);
    if (Loop* loop = loop_with_most_left()) {
      loop->helpers.fetch_add(1);
      lock.unlock();
      run_iterations(*loop, true);
      loop->helpers.fetch_sub(1);
      lock.lock();
    } else {
      // Loops with no iteration left stay listed until their owners close them: wait, not spin.
      wake_.wait(lock);
    }
    idle_.fetch_sub(1);
  }
  wake_.notify_all();
}

void IbThreads::run(const std::function<std::optional<int64_t>()>& next, const std::function<void(int64_t)>& run_job,
                    const std::function<void(int64_t)>& done) {
  std::vector<std::thread> others;
  for (int64_t t = 1; t < n_threads_; ++t) others.emplace_back([&] { work(next, run_job, done); });
  work(next, run_job, done);
  for (std::thread& thread : others) thread.join();
  if (job_error_) std::rethrow_exception(job_error_);
}

}  // namespace infobound::bound
