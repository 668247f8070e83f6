#pragma once
// The model manifest of trained families (data-manifests/mini-families.yaml), read by the
// pipeline. Format: the model manifest schema of docs/config.md.
#include <filesystem>

#include "infobound/train/run.hpp"

namespace infobound::train {

// Paths in the manifest are relative to the manifest's folder. Written atomically.
void write_manifest(const TrainSummary& summary, const TrainConfig& config, const std::filesystem::path& path);

}  // namespace infobound::train
