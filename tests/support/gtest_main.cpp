// The main of every test binary. ctest runs one process per suite (cmake/InfoboundListSuites.cmake);
// a suite whose cases all skipped (fixtures absent) exits 77, which ctest reports as skipped
// rather than passed.
#include <gtest/gtest.h>

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  const int failed = RUN_ALL_TESTS();
  const auto& run = *::testing::UnitTest::GetInstance();
  const bool all_skipped = run.test_to_run_count() > 0 && run.skipped_test_count() == run.test_to_run_count();
  if (failed == 0 && all_skipped) return 77;
  return failed;
}
