// Feeds arbitrary bytes as a unit file RUN/units/<unit>.h5 (schema 2) to its reader. Every input
// must either read into a unit whose checksum matches or be rejected with InputError; a crash, a
// sanitizer report or another exception is a finding.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "infobound/core/error.hpp"
#include "infobound/io/unit_store.hpp"
#include "input_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const auto path = infobound::fuzz::input_file(data, size, "unit.h5");
  try {
    const auto unit = infobound::io::read_unit_file(path, "");
    if (infobound::io::unit_checksum(unit) != unit.header.checksum) std::abort();
    for (const auto& layer : unit.layers)
      if (static_cast<int64_t>(layer.bins.size()) != unit.header.n_bins) std::abort();
  } catch (const infobound::InputError&) {
  }
  return 0;
}
