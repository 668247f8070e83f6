#include <gtest/gtest.h>

#include <cmath>
#include <csignal>

#include "infobound/core/error.hpp"
#include "infobound/core/progress.hpp"
#include "infobound/core/signals.hpp"

using namespace infobound;

TEST(Progress, FormatsDurationsAndRates) {
  EXPECT_EQ(Progress::format_duration(59.4), "59s");
  EXPECT_EQ(Progress::format_duration(61), "1m01s");
  EXPECT_EQ(Progress::format_duration(7322), "2h02m");
  EXPECT_EQ(Progress::format_duration(NAN), "?");
  EXPECT_EQ(Progress::format_rate(12345), "12.3k tok/s");
  EXPECT_EQ(Progress::format_rate(2.5e6), "2.50M tok/s");
}

TEST(Progress, CountsUnitsAndSkips) {
  ProgressOptions options;
  options.heartbeat_seconds = 0;  // no ticker thread
  Progress progress(3, 300, options);
  progress.start_unit("a", 100);
  progress.add_tokens(100);
  progress.finish_unit(false);
  progress.start_unit("b", 100);
  progress.finish_unit(true);
  EXPECT_EQ(progress.status_line().rfind("2/3 units", 0), 0u) << progress.status_line();
  progress.close();
}

TEST(Signals, StopRequestBecomesInterrupted) {
  install_stop_handlers();
  EXPECT_NO_THROW(throw_if_stop_requested("at a batch boundary"));
  std::raise(SIGTERM);
  EXPECT_TRUE(stop_requested());
  try {
    throw_if_stop_requested("at a batch boundary");
    FAIL();
  } catch (const Interrupted& e) {
    EXPECT_NE(std::string(e.what()).find("SIGTERM"), std::string::npos);
  }
  request_stop(0);
  EXPECT_FALSE(stop_requested());
}
