#include <gtest/gtest.h>

#include "infobound/core/blas.hpp"

// This test binary links no BLAS, so nothing BLAS-like may be reported as mapped.
TEST(Blas, ReportsNothingWhenNoBlasIsLoaded) {
  const auto info = infobound::detect_blas();
  EXPECT_TRUE(info.library_path.empty()) << info.library_path;
  EXPECT_FALSE(info.optimised);
}
