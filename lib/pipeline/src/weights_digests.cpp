#include "infobound/pipeline/weights_digests.hpp"

#include <map>

#include "infobound/core/error.hpp"
#include "infobound/core/log.hpp"
#include "infobound/io/checkpoint.hpp"

namespace infobound::pipeline {

void record_weights_digests(Plan& plan) {
  std::map<std::filesystem::path, std::string> digest_of;
  for (auto& unit : plan.units) {
    if (unit.model_dir.empty()) continue;
    auto [it, inserted] = digest_of.try_emplace(std::filesystem::absolute(unit.model_dir).lexically_normal());
    if (inserted) {
      // Unreadable weights are that checkpoint's failure, recorded when extract reaches its units
      // (the other checkpoints go on); the plan only loses the digest.
      try {
        it->second = io::weights_digest(io::Checkpoint::open(unit.model_dir));
      } catch (const InputError& e) {
        log::warn(std::string("no weights digest: ") + e.what());
      }
    }
    unit.weights_digest = it->second;
  }
  for (const auto& identical : identical_checkpoints(plan))
    log::warn(describe(identical) +
              ": their results will be the same; drop all but one from the manifest unless that is intended");
}

}  // namespace infobound::pipeline
