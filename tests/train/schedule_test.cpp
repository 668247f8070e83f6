#include <gtest/gtest.h>

#include <cmath>

#include "infobound/train/schedule.hpp"

using infobound::train::checkpoint_steps;
using infobound::train::learning_rate;
using infobound::train::LrSchedule;

TEST(Schedule, WarmupIsLinearFromTheFirstUpdate) {
  const LrSchedule s{.peak = 1e-3, .minimum = 1e-4, .warmup_steps = 10, .total_steps = 110};
  EXPECT_DOUBLE_EQ(learning_rate(s, 0), 1e-4);
  EXPECT_DOUBLE_EQ(learning_rate(s, 4), 5e-4);
  EXPECT_DOUBLE_EQ(learning_rate(s, 9), 1e-3);
}

TEST(Schedule, CosineDecaysFromPeakToMinimum) {
  const LrSchedule s{.peak = 1e-3, .minimum = 1e-4, .warmup_steps = 10, .total_steps = 110};
  EXPECT_DOUBLE_EQ(learning_rate(s, 10), 1e-3);
  EXPECT_NEAR(learning_rate(s, 60), 0.5 * (1e-3 + 1e-4), 1e-15);  // half way: the mean
  EXPECT_NEAR(learning_rate(s, 35), 1e-4 + 0.45e-3 * (1 + std::cos(M_PI / 4)), 1e-15);
  EXPECT_DOUBLE_EQ(learning_rate(s, 110), 1e-4);
  for (int64_t step = 10; step < 110; ++step) EXPECT_GE(learning_rate(s, step), learning_rate(s, step + 1));
}

TEST(Schedule, NoWarmup) {
  const LrSchedule s{.peak = 2.0, .minimum = 0.0, .warmup_steps = 0, .total_steps = 4};
  EXPECT_DOUBLE_EQ(learning_rate(s, 0), 2.0);
  EXPECT_NEAR(learning_rate(s, 2), 1.0, 1e-15);
}

TEST(CheckpointSteps, LogSpacedPlusFinal) {
  EXPECT_EQ(checkpoint_steps(300), (std::vector<int64_t>{0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 300}));
  EXPECT_EQ(checkpoint_steps(256), (std::vector<int64_t>{0, 1, 2, 4, 8, 16, 32, 64, 128, 256}));
  EXPECT_EQ(checkpoint_steps(1), (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(checkpoint_steps(3), (std::vector<int64_t>{0, 1, 2, 3}));
  EXPECT_EQ(checkpoint_steps(0), (std::vector<int64_t>{0}));
}
