#include "infobound/train/schedule.hpp"

#include <cmath>
#include <numbers>
#include <stdexcept>

namespace infobound::train {

double learning_rate(const LrSchedule& schedule, int64_t step) {
  if (step < 0) throw std::invalid_argument("learning_rate: negative step");
  if (step < schedule.warmup_steps) {
    return schedule.peak * static_cast<double>(step + 1) / static_cast<double>(schedule.warmup_steps);
  }
  const int64_t decay_steps = schedule.total_steps - schedule.warmup_steps;
  if (decay_steps <= 0 || step >= schedule.total_steps) return schedule.minimum;
  const double progress = static_cast<double>(step - schedule.warmup_steps) / static_cast<double>(decay_steps);
  return schedule.minimum + 0.5 * (schedule.peak - schedule.minimum) * (1.0 + std::cos(std::numbers::pi * progress));
}

std::vector<int64_t> checkpoint_steps(int64_t total_steps) {
  if (total_steps < 0) throw std::invalid_argument("checkpoint_steps: negative total");
  std::vector<int64_t> steps{0};
  for (int64_t s = 1; s < total_steps; s *= 2) steps.push_back(s);
  if (total_steps > 0) steps.push_back(total_steps);
  return steps;
}

}  // namespace infobound::train
