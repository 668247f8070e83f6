#pragma once
// The Hugging Face config.json of a model to train: the family's recipe at a size.
#include <cstdint>

#include <nlohmann/json.hpp>

#include "infobound/train/config.hpp"

namespace infobound::train {

// Defaults per model_type follow the HF config classes (GPTNeoXConfig: Pythia's recipe with
// partial rotary 0.25 and parallel residual; LlamaConfig: RMSNorm, SwiGLU, untied head); the
// family's `config` keys override them. bos/eos are the tokenizer's first special token.
nlohmann::json hf_model_config(const ModelSpec& model, int64_t vocab_size, int64_t context_length, int64_t eos_token_id);

}  // namespace infobound::train
