#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "infobound/pipeline/planner.hpp"

namespace infobound::pipeline {

namespace {
// `infobound bound` options giving the study's bound section, as `infobound run` applies it.
std::string bound_arguments(const BoundSpec& spec) {
  std::string args;
  if (!spec.orders.empty()) {
    args += "--orders";
    for (const int64_t k : spec.orders) args += " " + std::to_string(k);
  }
  const auto add = [&args](const char* name, const std::optional<int64_t>& value) {
    if (value) args += std::string(args.empty() ? "" : " ") + name + " " + std::to_string(*value);
  };
  add("--context-cap", spec.context_cap);
  add("--betas", spec.n_betas);
  add("--restarts", spec.restarts);
  add("--max-iterations", spec.max_iterations);
  return args;
}
}  // namespace

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
  for (const auto& b : config.benchmarks)
    benchmarks.push_back({{"name", b.name}, {"path", b.path.string()}, {"format", b.format}});
  const nlohmann::json json = {{"study", dry.plan.study},
                               {"config_hash", dry.plan.config_hash},
                               {"gpu_tflops", dry.gpu_tflops},
                               {"device", config.runtime.device},
                               {"bound_enabled", config.bound.enabled},
                               {"bound_args", bound_arguments(config.bound)},
                               {"units", units},
                               {"benchmarks", benchmarks},
                               {"notes", dry.notes}};
  out << json.dump(1) << "\n";
}

}  // namespace infobound::pipeline
