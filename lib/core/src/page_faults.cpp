#include "infobound/core/page_faults.hpp"

#include <malloc.h>
#include <mutex>

namespace infobound {

void keep_freed_memory_for_reuse() {
  static std::once_flag once;
  std::call_once(once, [] {
    mallopt(M_MMAP_THRESHOLD, 512 << 20);
    mallopt(M_TRIM_THRESHOLD, 1024 << 20);
  });
}

}  // namespace infobound
