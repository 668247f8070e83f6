#include "infobound/core/signals.hpp"

#include <csignal>
#include <cstring>
#include <string>

#include "infobound/core/error.hpp"

namespace infobound {
namespace {

volatile std::sig_atomic_t g_signal = 0;

extern "C" void on_stop_signal(int signal) {
  if (signal == SIGINT && g_signal == SIGINT) {  // the impatient second Ctrl-C
    std::signal(SIGINT, SIG_DFL);
    std::raise(SIGINT);
    return;
  }
  g_signal = signal;
}

}  // namespace

void install_stop_handlers() {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
}

void restore_default_stop_handlers() {
  std::signal(SIGTERM, SIG_DFL);
  std::signal(SIGINT, SIG_DFL);
  if (g_signal != 0) std::raise(g_signal);  // a stop requested meanwhile takes effect now
}

bool stop_requested() { return g_signal != 0; }
int stop_signal() { return g_signal; }
void request_stop(int signal) { g_signal = signal; }

void throw_if_stop_requested(std::string_view where) {
  const int signal = g_signal;
  if (signal == 0) return;
  const char* name = signal == SIGTERM ? "SIGTERM" : signal == SIGINT ? "SIGINT" : strsignal(signal);
  throw Interrupted(std::string("received ") + name + ", stopped " + std::string(where) +
                    "; finished units are kept and no partial unit was written. Rerun the same command to resume.");
}

}  // namespace infobound
