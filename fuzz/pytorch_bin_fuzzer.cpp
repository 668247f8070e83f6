// Feeds arbitrary bytes to the PyTorch .bin reader (zip or legacy layout, restricted
// unpickler). Every input must either give tensors whose bytes lie inside the input and match
// their dtype and shape, with unique sorted names, or be rejected with InputError; any other
// exception, crash, leak or sanitizer report is a finding.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "infobound/core/error.hpp"
#include "infobound/io/pytorch_bin.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  using namespace infobound::io;
  const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
  try {
    const auto views = parse_pytorch_bin(bytes, "fuzz.bin");
    for (std::size_t i = 0; i < views.size(); ++i) {
      const auto& v = views[i];
      if (i > 0 && !(views[i - 1].name < v.name)) std::abort();
      if (v.bytes.size() != static_cast<uint64_t>(v.numel()) * dtype_size(v.dtype)) std::abort();
      if (!v.bytes.empty() && (v.bytes.data() < bytes.data() || v.bytes.data() + v.bytes.size() > bytes.data() + size))
        std::abort();
    }
  } catch (const infobound::InputError&) {
  }
  return 0;
}
