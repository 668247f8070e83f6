#include <gtest/gtest.h>

#include "infobound/core/log.hpp"

TEST(Log, LevelFiltersMessages) {
  using infobound::log::Level;
  infobound::log::set_level(Level::warn);
  testing::internal::CaptureStderr();
  infobound::log::info("hidden");
  infobound::log::warn("shown");
  const std::string out = testing::internal::GetCapturedStderr();
  EXPECT_EQ(out.find("hidden"), std::string::npos);
  EXPECT_NE(out.find("warning: shown"), std::string::npos);
  infobound::log::set_level(Level::info);
}
