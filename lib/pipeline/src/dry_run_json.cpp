#include <nlohmann/json.hpp>

#include "infobound/pipeline/planner.hpp"

namespace infobound::pipeline {

void print_dry_run_json(const DryRun& dry, const StudyConfig& config, std::ostream& out) {
  nlohmann::json units = nlohmann::json::array();
  for (const auto& e : dry.units)
    units.push_back({{"unit", e.unit_id},
                     {"tokens", e.tokens},
                     {"tokens_exact", e.tokens_exact},
                     {"forward_flops", e.forward_flops},
                     {"estimator_flops", e.estimator_flops},
                     {"peak_memory_bytes", e.peak_memory_bytes},
                     {"disk_bytes", e.disk_bytes},
                     {"model_known", e.model_known}});
  nlohmann::json benchmarks = nlohmann::json::array();
  for (const auto& b : config.benchmarks) benchmarks.push_back({{"name", b.name}, {"path", b.path.string()}, {"format", b.format}});
  const nlohmann::json json = {{"study", dry.plan.study},     {"config_hash", dry.plan.config_hash}, {"gpu_tflops", dry.gpu_tflops},
                               {"device", config.runtime.device}, {"bound_enabled", config.bound.enabled}, {"units", units}, {"benchmarks", benchmarks},
                               {"notes", dry.notes}};
  out << json.dump(1) << "\n";
}

}  // namespace infobound::pipeline
