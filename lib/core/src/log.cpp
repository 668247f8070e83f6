#include "infobound/core/log.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <string>

namespace infobound::log {
namespace {
std::atomic<Level> g_level{Level::info};
std::mutex g_mutex;
std::string g_prefix;

const char* level_name(Level level) {
  switch (level) {
    case Level::debug: return "debug";
    case Level::info: return "info";
    case Level::warn: return "warning";
    case Level::error: return "error";
  }
  return "?";
}

void write(Level level, std::string_view message) {
  if (level < g_level.load()) return;
  const auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  localtime_r(&now, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%H:%M:%S", &tm);
  std::lock_guard lock(g_mutex);
  std::fprintf(stderr, "[%s infobound%s%s] %s: %.*s\n", stamp, g_prefix.empty() ? "" : " ", g_prefix.c_str(), level_name(level),
               static_cast<int>(message.size()), message.data());
  std::fflush(stderr);
}
}  // namespace

void set_level(Level level) { g_level = level; }
Level level() { return g_level.load(); }
void set_prefix(std::string_view prefix) {
  std::lock_guard lock(g_mutex);
  g_prefix = prefix;
}
void debug(std::string_view message) { write(Level::debug, message); }
void info(std::string_view message) { write(Level::info, message); }
void warn(std::string_view message) { write(Level::warn, message); }
void error(std::string_view message) { write(Level::error, message); }

}  // namespace infobound::log
