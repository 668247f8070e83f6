#pragma once
// Learning-rate schedule and checkpoint steps of a training run.
#include <cstdint>
#include <vector>

namespace infobound::train {

// Linear warm-up to `peak` over `warmup_steps` updates, then cosine decay to `minimum` at
// `total_steps` (the schedule of Pythia and most small-LM recipes).
struct LrSchedule {
  double peak = 1e-3;
  double minimum = 1e-4;
  int64_t warmup_steps = 0;
  int64_t total_steps = 1;
};

// Learning rate of update number `step` (0-based: the update that turns step s into s + 1).
// Warm-up gives peak * (step + 1) / warmup_steps, so the first update is not wasted at lr 0.
double learning_rate(const LrSchedule& schedule, int64_t step);

// Checkpoint steps as Pythia's: 0 (the initialisation), 1, 2, 4, ... (powers of two up to
// total_steps) and total_steps itself, ascending and without duplicates.
std::vector<int64_t> checkpoint_steps(int64_t total_steps);

}  // namespace infobound::train
