#pragma once
// Hub identities of the checkpoints of a study, the key on which benchmark scores are joined:
// benchmark sources name models by their Hugging Face hub id (ORG/NAME, sometimes a revision),
// not by the names a study gives them.
#include <map>
#include <string>
#include <utility>

#include "infobound/core/config.hpp"
#include "infobound/core/plan.hpp"

namespace infobound::stats {

struct CheckpointSource {
  std::string hub;       // the model's own repository (ORG/NAME); empty for a local model
  std::string repo;      // the repository holding this checkpoint's revision (differs for
                         // SmolLM2's *-intermediate-checkpoints); empty for a local model
  std::string revision;  // hub revision; empty for a local model
};

// (metrics.csv model, checkpoint) -> its hub identity.
using CheckpointSources = std::map<std::pair<std::string, std::string>, CheckpointSource>;

CheckpointSources checkpoint_sources(const StudyConfig& config);
// From a plan alone (each unit's reference ORG/NAME@revision); the model's hub is then the
// repository of its `main` checkpoint, else of its first checkpoint.
CheckpointSources checkpoint_sources(const Plan& plan);

// A hub id compared case-insensitively, without a trailing '/'.
std::string normalised_hub_id(const std::string& id);
// The same after folding the Hub's known renames to today's id: "gpt2" is
// "openai-community/gpt2", lm-eval's "EleutherAI/pythia-v1.1-70m" is "EleutherAI/pythia-70m",
// "meta-llama/Meta-Llama-3.1-8B" is "meta-llama/Llama-3.1-8B". Rules in docs/analysis.md.
std::string current_hub_id(const std::string& id);

}  // namespace infobound::stats
