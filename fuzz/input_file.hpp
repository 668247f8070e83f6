#pragma once
// The readers under fuzz take a path: each input is written to one file per fuzzing process
// (overwritten every run) so the production entry point is what gets fuzzed.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

namespace infobound::fuzz {

inline std::filesystem::path input_file(const uint8_t* data, std::size_t size, const std::string& name) {
  static const auto dir = [] {
    const auto d = std::filesystem::temp_directory_path() / ("infobound_fuzz_" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    return d;
  }();
  const auto path = dir / name;
  std::ofstream(path, std::ios::binary | std::ios::trunc)
      .write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  return path;
}

}  // namespace infobound::fuzz
