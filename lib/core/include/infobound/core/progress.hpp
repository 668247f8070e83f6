#pragma once
// Progress of a long stage. On a terminal: one live bar (units done, tokens/s, ETA) redrawn in
// place, shown by one process (rank 0). Without a terminal (Slurm logs): one line per finished
// unit and a heartbeat line every `heartbeat_seconds`, from every process.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace infobound {

struct ProgressOptions {
  std::string stage = "extract";
  bool terminal = false;  // stderr is a TTY
  bool show_bar = true;   // this process draws the bar (rank 0) when terminal
  double heartbeat_seconds = 60;
  // Units finished by all processes together (e.g. counted from the unit files); optional.
  std::function<int64_t()> count_done_globally;
};

// What a heartbeat file records (lib/pipeline run_status): the same numbers as the status line.
struct ProgressSnapshot {
  int64_t units_total = 0;
  int64_t units_done = 0;  // finished or skipped
  int64_t units_skipped = 0;
  int64_t units_failed = 0;
  std::string current_unit;  // "" between units
  double tokens_per_second = 0;
  double eta_seconds = -1;  // -1: unknown
};

class Progress {
 public:
  // `total_units` of this process, `total_tokens` of this process (0 if unknown).
  Progress(int64_t total_units, int64_t total_tokens, ProgressOptions options);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void start_unit(const std::string& id, int64_t unit_tokens);
  void add_tokens(int64_t tokens);
  void finish_unit(bool skipped);
  // The current unit failed (recorded elsewhere): no longer counted as remaining work.
  void fail_unit();
  // Stops the redraw thread and ends the bar line.
  void close();

  // Rendering helpers, exposed for tests.
  static std::string format_duration(double seconds);
  static std::string format_rate(double tokens_per_second);
  std::string status_line();
  ProgressSnapshot snapshot();

 private:
  void tick_loop();
  void draw_locked();
  double tokens_per_second_locked() const;

  using Clock = std::chrono::steady_clock;
  ProgressOptions options_;
  int64_t total_units_;
  int64_t total_tokens_;
  int64_t units_done_ = 0;
  int64_t units_skipped_ = 0;
  int64_t units_failed_ = 0;
  int64_t tokens_done_ = 0;
  int64_t computed_tokens_ = 0;  // tokens of units computed here (for the rate)
  std::string current_unit_;
  int64_t current_unit_tokens_ = 0;
  int64_t current_unit_done_ = 0;
  Clock::time_point start_ = Clock::now();
  Clock::time_point unit_start_ = Clock::now();
  double compute_seconds_ = 0;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool closing_ = false;
  std::thread ticker_;
};

}  // namespace infobound
