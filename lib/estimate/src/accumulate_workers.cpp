#include "infobound/estimate/accumulate_workers.hpp"

#include <stdexcept>

namespace infobound::estimate {

AccumulateWorkers::AccumulateWorkers(int64_t threads, int64_t max_queued) : max_queued_(max_queued < 1 ? 1 : max_queued) {
  if (threads < 1) throw std::invalid_argument("AccumulateWorkers needs at least one thread");
  for (int64_t i = 0; i < threads; ++i) threads_.emplace_back([this] { run(); });
}

AccumulateWorkers::~AccumulateWorkers() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  work_ready_.notify_all();
  for (auto& thread : threads_) thread.join();
}

void AccumulateWorkers::submit(std::function<void()> task) {
  std::unique_lock lock(mutex_);
  space_ready_.wait(lock, [&] { return static_cast<int64_t>(queue_.size()) < max_queued_ || error_; });
  if (error_) {
    std::exception_ptr error = error_;
    error_ = nullptr;
    lock.unlock();
    wait();
    std::rethrow_exception(error);
  }
  queue_.push_back(std::move(task));
  work_ready_.notify_one();
}

void AccumulateWorkers::wait() {
  std::unique_lock lock(mutex_);
  all_done_.wait(lock, [&] { return queue_.empty() && running_ == 0; });
  if (error_) {
    std::exception_ptr error = error_;
    error_ = nullptr;
    std::rethrow_exception(error);
  }
}

void AccumulateWorkers::run() {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock lock(mutex_);
      work_ready_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;
      task = std::move(queue_.front());
      queue_.pop_front();
      ++running_;
    }
    space_ready_.notify_one();
    std::exception_ptr failure;
    try {
      task();
    } catch (...) {
      failure = std::current_exception();
    }
    {
      std::lock_guard lock(mutex_);
      --running_;
      if (failure && !error_) error_ = failure;
    }
    space_ready_.notify_all();
    all_done_.notify_all();
  }
}

}  // namespace infobound::estimate
