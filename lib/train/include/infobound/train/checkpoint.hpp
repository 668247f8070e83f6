#pragma once
// Checkpoint directories: <model dir>/step<N>/ holding config.json, model.safetensors,
// tokenizer.json and training_state.json (docs/train.md). Written to a temporary directory and
// renamed, so a directory named step<N> is always complete.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "infobound/models/causal_lm.hpp"
#include "infobound/train/trainer.hpp"

namespace infobound::train {

inline constexpr const char* kTrainingStateFile = "training_state.json";
inline constexpr const char* kTrainingStateFormat = "infobound-training-state/1";

std::filesystem::path checkpoint_dir(const std::filesystem::path& model_dir, int64_t step);

void write_checkpoint(const models::CausalLM& model, const std::filesystem::path& dir,
                      const std::filesystem::path& tokenizer_file, const nlohmann::json& state);

// The records of a finished run whose every checkpoint exists, is complete and carries
// `fingerprint`; nullopt when anything is missing or differs (then the model is retrained).
std::optional<std::vector<CheckpointRecord>> cached_checkpoints(const std::filesystem::path& model_dir,
                                                                const std::vector<int64_t>& steps,
                                                                const std::string& fingerprint);

CheckpointRecord record_from_state(const nlohmann::json& state, const std::filesystem::path& dir);

}  // namespace infobound::train
