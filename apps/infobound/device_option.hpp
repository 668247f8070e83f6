#pragma once
// The --device option of the commands that run a model (hidden-states, bench forward).
#include <string>

#include <c10/core/Device.h>

#include "infobound/core/error.hpp"

namespace infobound::cli {

inline c10::Device parse_device(const std::string& name) {
  if (name == "cpu") return c10::kCPU;
  if (name == "cuda") return c10::Device(c10::kCUDA);
  throw UsageError("--device must be cpu or cuda, got '" + name + "'");
}

}  // namespace infobound::cli
