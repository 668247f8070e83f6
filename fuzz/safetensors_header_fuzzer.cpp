// Feeds arbitrary bytes to the safetensors header parser. Every input must either parse into a
// header whose tensors all lie inside the data section without overlapping, or be rejected with
// InputError; any other exception, crash or sanitizer report is a finding.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "infobound/core/error.hpp"
#include "infobound/io/safetensors_header.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  using namespace infobound::io;
  const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
  try {
    const SafetensorsHeader header = parse_safetensors_header(bytes, "fuzz.safetensors");
    if (header.data_offset + header.data_size != size) std::abort();
    std::vector<std::pair<uint64_t, uint64_t>> ranges;
    for (const auto& t : header.tensors) {
      if (t.end > header.data_size || t.begin > t.end) std::abort();
      if (t.end - t.begin != static_cast<uint64_t>(t.numel()) * dtype_size(t.dtype)) std::abort();
      if (t.begin != t.end) ranges.emplace_back(t.begin, t.end);
    }
    std::sort(ranges.begin(), ranges.end());
    for (std::size_t i = 1; i < ranges.size(); ++i)
      if (ranges[i].first < ranges[i - 1].second) std::abort();
  } catch (const infobound::InputError&) {
  }
  return 0;
}
