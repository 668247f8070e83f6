#include "infobound/train/checkpoint.hpp"

#include <fstream>

#include "infobound/core/atomic_file.hpp"
#include "infobound/core/error.hpp"
#include "infobound/io/json_file.hpp"

namespace infobound::train {

std::filesystem::path checkpoint_dir(const std::filesystem::path& model_dir, int64_t step) {
  return model_dir / ("step" + std::to_string(step));
}

void write_checkpoint(const models::CausalLM& model, const std::filesystem::path& dir,
                      const std::filesystem::path& tokenizer_file, const nlohmann::json& state) {
  const auto temp = temporary_path_for(dir);
  std::filesystem::remove_all(temp);
  model.save(temp);
  std::filesystem::copy_file(tokenizer_file, temp / "tokenizer.json", std::filesystem::copy_options::overwrite_existing);
  {
    std::ofstream out(temp / kTrainingStateFile);
    out << state.dump(2) << '\n';
    if (!out) throw InputError((temp / kTrainingStateFile).string() + ": cannot write");
  }
  commit_directory(temp, dir);
}

CheckpointRecord record_from_state(const nlohmann::json& state, const std::filesystem::path& dir) {
  CheckpointRecord record;
  record.step = state.at("step").get<int64_t>();
  record.tokens_seen = state.at("tokens_seen").get<int64_t>();
  record.train_loss = state.at("train_loss").get<double>();
  record.heldout_loss = state.at("heldout_loss").get<double>();
  record.learning_rate = state.at("learning_rate").get<double>();
  record.dir = dir;
  return record;
}

std::optional<std::vector<CheckpointRecord>> cached_checkpoints(const std::filesystem::path& model_dir,
                                                                const std::vector<int64_t>& steps,
                                                                const std::string& fingerprint) {
  std::vector<CheckpointRecord> records;
  for (const int64_t step : steps) {
    const auto dir = checkpoint_dir(model_dir, step);
    for (const char* file : {"config.json", "model.safetensors", "tokenizer.json", kTrainingStateFile}) {
      if (!std::filesystem::is_regular_file(dir / file)) return std::nullopt;
    }
    try {
      const auto state = io::read_json_file(dir / kTrainingStateFile);
      if (state.value("format", "") != kTrainingStateFormat || state.value("fingerprint", "") != fingerprint ||
          state.value("step", int64_t{-1}) != step) {
        return std::nullopt;
      }
      records.push_back(record_from_state(state, dir));
    } catch (const std::exception&) {
      return std::nullopt;  // unreadable or foreign state: retrain rather than trust it
    }
  }
  return records;
}

}  // namespace infobound::train
