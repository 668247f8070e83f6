#include "infobound/core/page_faults.hpp"

#include <sys/resource.h>

#include <cstdlib>

#include <gtest/gtest.h>

namespace {

long minor_faults() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_minflt;
}

TEST(PageFaults, FreedBlocksAreReusedWithoutFaultingAgain) {
#ifdef __SANITIZE_ADDRESS__
  GTEST_SKIP() << "AddressSanitizer's allocator replaces glibc's malloc, which mallopt sets";
#endif
  infobound::keep_freed_memory_for_reuse();
  constexpr std::size_t kBytes = 16 << 20;  // glibc would map and unmap it at every allocation
  const auto fill = [&] {
    auto* block = static_cast<volatile unsigned char*>(std::malloc(kBytes));
    for (std::size_t i = 0; i < kBytes; i += 4096) block[i] = 1;
    std::free(const_cast<unsigned char*>(block));
  };
  fill();
  const long before = minor_faults();
  fill();
  EXPECT_LT(minor_faults() - before, 256) << "a 16 MiB block (4096 pages) was faulted in again";
}

}  // namespace
