#pragma once
// A tensor stored in a mapped weights file (safetensors or PyTorch .bin): its name, dtype, shape
// and row-major bytes. Torch-free, so the format parsers build alone under the fuzzers.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "infobound/io/safetensors_header.hpp"

namespace infobound::io {

// `bytes` stays valid while the file object that produced the view (or a copy of it) is alive.
struct TensorView {
  std::string name;
  Dtype dtype;
  std::vector<int64_t> shape;
  std::span<const std::byte> bytes;
  int64_t numel() const {
    int64_t n = 1;
    for (auto d : shape) n *= d;
    return n;
  }
};

}  // namespace infobound::io
