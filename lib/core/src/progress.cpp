#include "infobound/core/progress.hpp"

#include <cmath>
#include <cstdio>

#include "infobound/core/log.hpp"

namespace infobound {

Progress::Progress(int64_t total_units, int64_t total_tokens, ProgressOptions options)
    : options_(std::move(options)), total_units_(total_units), total_tokens_(total_tokens) {
  if (options_.terminal ? options_.show_bar : options_.heartbeat_seconds > 0) ticker_ = std::thread([this] { tick_loop(); });
}

Progress::~Progress() { close(); }

void Progress::close() {
  {
    std::lock_guard lock(mutex_);
    if (closing_) return;
    closing_ = true;
  }
  wake_.notify_all();
  if (ticker_.joinable()) ticker_.join();
  if (options_.terminal && options_.show_bar) {
    std::lock_guard lock(mutex_);
    draw_locked();
    std::fputc('\n', stderr);
    std::fflush(stderr);
  }
}

std::string Progress::format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const auto total = static_cast<int64_t>(std::llround(seconds));
  char text[32];
  if (total >= 3600)
    std::snprintf(text, sizeof text, "%lldh%02lldm", static_cast<long long>(total / 3600),
                  static_cast<long long>(total / 60 % 60));
  else if (total >= 60)
    std::snprintf(text, sizeof text, "%lldm%02llds", static_cast<long long>(total / 60), static_cast<long long>(total % 60));
  else std::snprintf(text, sizeof text, "%llds", static_cast<long long>(total));
  return text;
}

std::string Progress::format_rate(double tokens_per_second) {
  char text[32];
  if (tokens_per_second >= 1e6) std::snprintf(text, sizeof text, "%.2fM tok/s", tokens_per_second / 1e6);
  else if (tokens_per_second >= 1e3) std::snprintf(text, sizeof text, "%.1fk tok/s", tokens_per_second / 1e3);
  else std::snprintf(text, sizeof text, "%.0f tok/s", tokens_per_second);
  return text;
}

double Progress::tokens_per_second_locked() const {
  double seconds = compute_seconds_;
  int64_t tokens = computed_tokens_;
  if (!current_unit_.empty()) {
    seconds += std::chrono::duration<double>(Clock::now() - unit_start_).count();
    tokens += current_unit_done_;
  }
  return seconds > 0 ? tokens / seconds : 0;
}

std::string Progress::status_line() {
  std::lock_guard lock(mutex_);
  const double rate = tokens_per_second_locked();
  const int64_t remaining_tokens =
      total_tokens_ > 0 ? std::max<int64_t>(0, total_tokens_ - tokens_done_ - current_unit_done_) : -1;
  const double eta = (remaining_tokens >= 0 && rate > 0) ? remaining_tokens / rate : NAN;
  char line[512];
  std::snprintf(line, sizeof line, "%lld/%lld units, %s, ETA %s", static_cast<long long>(units_done_),
                static_cast<long long>(total_units_), format_rate(rate).c_str(), format_duration(eta).c_str());
  return line;
}

ProgressSnapshot Progress::snapshot() {
  std::lock_guard lock(mutex_);
  ProgressSnapshot snap;
  snap.units_total = total_units_;
  snap.units_done = units_done_;
  snap.units_skipped = units_skipped_;
  snap.units_failed = units_failed_;
  snap.current_unit = current_unit_;
  snap.tokens_per_second = tokens_per_second_locked();
  const int64_t remaining_tokens =
      total_tokens_ > 0 ? std::max<int64_t>(0, total_tokens_ - tokens_done_ - current_unit_done_) : -1;
  snap.eta_seconds = (remaining_tokens >= 0 && snap.tokens_per_second > 0) ? remaining_tokens / snap.tokens_per_second : -1;
  return snap;
}

void Progress::draw_locked() {
  const double rate = tokens_per_second_locked();
  const int64_t remaining_tokens =
      total_tokens_ > 0 ? std::max<int64_t>(0, total_tokens_ - tokens_done_ - current_unit_done_) : -1;
  const double eta = (remaining_tokens >= 0 && rate > 0) ? remaining_tokens / rate : NAN;
  double fraction = total_units_ > 0 ? static_cast<double>(units_done_) / total_units_ : 1.0;
  if (total_tokens_ > 0) fraction = std::min(1.0, static_cast<double>(tokens_done_ + current_unit_done_) / total_tokens_);
  constexpr int kWidth = 30;
  const int filled = static_cast<int>(fraction * kWidth);
  std::string bar(filled, '#');
  bar.resize(kWidth, '.');
  std::string global;
  if (options_.count_done_globally) global = ", all ranks " + std::to_string(options_.count_done_globally());
  std::fprintf(stderr, "\r\033[K%s [%s] %lld/%lld units%s | %s | ETA %s", options_.stage.c_str(), bar.c_str(),
               static_cast<long long>(units_done_), static_cast<long long>(total_units_), global.c_str(),
               format_rate(rate).c_str(), format_duration(eta).c_str());
  std::fflush(stderr);
}

void Progress::tick_loop() {
  const auto period = options_.terminal ? std::chrono::milliseconds(500)
                                        : std::chrono::milliseconds(static_cast<int64_t>(options_.heartbeat_seconds * 1000));
  std::unique_lock lock(mutex_);
  while (!closing_) {
    if (wake_.wait_for(lock, period, [this] { return closing_; })) break;
    if (options_.terminal) {
      draw_locked();
    } else {
      lock.unlock();
      std::string line = "heartbeat: " + status_line();
      lock.lock();
      if (!current_unit_.empty() && current_unit_tokens_ > 0)
        line += ", unit " + current_unit_ + " " + std::to_string(100 * current_unit_done_ / current_unit_tokens_) + "%";
      lock.unlock();
      log::info(line);
      lock.lock();
    }
  }
}

void Progress::start_unit(const std::string& id, int64_t unit_tokens) {
  std::lock_guard lock(mutex_);
  current_unit_ = id;
  current_unit_tokens_ = unit_tokens;
  current_unit_done_ = 0;
  unit_start_ = Clock::now();
}

void Progress::add_tokens(int64_t tokens) {
  std::lock_guard lock(mutex_);
  current_unit_done_ += tokens;
}

void Progress::finish_unit(bool skipped) {
  std::string line;
  {
    std::lock_guard lock(mutex_);
    const double seconds = std::chrono::duration<double>(Clock::now() - unit_start_).count();
    ++units_done_;
    if (skipped) {
      ++units_skipped_;
    } else {
      compute_seconds_ += seconds;
      computed_tokens_ += current_unit_done_;
    }
    tokens_done_ += skipped ? current_unit_tokens_ : current_unit_done_;
    if (!options_.terminal) {
      char text[256];
      std::snprintf(text, sizeof text, " (%lld tokens, %.1f s, %s)", static_cast<long long>(current_unit_done_), seconds,
                    format_rate(seconds > 0 ? current_unit_done_ / seconds : 0).c_str());
      line = "unit " + std::to_string(units_done_) + "/" + std::to_string(total_units_) + " " + current_unit_ +
             (skipped ? ": already complete, skipped" : std::string(": done") + text);
    }
    current_unit_.clear();
    current_unit_done_ = 0;
    if (options_.terminal && options_.show_bar) draw_locked();
  }
  if (!line.empty()) log::info(line);
}

void Progress::fail_unit() {
  std::lock_guard lock(mutex_);
  ++units_failed_;
  tokens_done_ += current_unit_tokens_;
  current_unit_.clear();
  current_unit_done_ = 0;
  if (options_.terminal && options_.show_bar) draw_locked();
}

}  // namespace infobound
