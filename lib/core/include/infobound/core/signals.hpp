#pragma once
// Cooperative stopping on SIGTERM (Slurm preemption, mpirun teardown) and SIGINT (Ctrl-C): the
// handler only sets a flag; long loops call throw_if_stop_requested() at batch boundaries, so no
// partial result is ever marked complete. A second SIGINT kills the process at once.
#include <string_view>

namespace infobound {

void install_stop_handlers();
// Back to the default action (terminate) for stages that have nothing to stop cleanly.
void restore_default_stop_handlers();
bool stop_requested();
// The signal that asked to stop (0 if none).
int stop_signal();
// Throws Interrupted naming the signal and `where` when a stop was requested.
void throw_if_stop_requested(std::string_view where);
// Same effect as receiving `signal` (tests, and ranks told to stop by another rank).
void request_stop(int signal);

}  // namespace infobound
