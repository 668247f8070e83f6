// `infobound plan`: resolve models and tokenizers, tokenize the corpus once per tokenizer, and
// write RUN/plan.json; `--dry-run` only prints the units and their estimated cost.
#include <algorithm>
#include <iostream>

#include "command.hpp"
#include "infobound/pipeline/task_map.hpp"
#include "pipeline_cli.hpp"

namespace infobound::cli {
namespace {

int run_plan(int argc, char** argv) {
  namespace po = boost::program_options;
  PipelineArgs args;
  po::options_description options("infobound plan options");
  add_run_options(options, args);
  bool json = false;
  int64_t tasks = 0, ranks_per_task = 1;
  options.add_options()("dry-run", po::bool_switch(&args.dry_run),
                        "print units and estimated FLOPs, memory, disk and GPU hours; write nothing")(
      "json", po::bool_switch(&json), "with --dry-run: the estimates as JSON")(
      "tasks", po::value(&tasks),
      "also write RUN/tasks.json mapping the units to this many Slurm array tasks (fixed for the run)")(
      "ranks-per-task", po::value(&ranks_per_task)->default_value(1), "MPI ranks per array task (with --tasks)");
  if (args.dry_run || std::any_of(argv, argv + argc, [](const char* a) { return std::string(a) == "--dry-run"; })) {
    // --dry-run needs only --config.
    po::variables_map vm;
    if (!parse_options(argc, argv, options, vm)) return 0;
    if (args.config.empty()) throw UsageError("--dry-run needs --config FILE");
    const StudyConfig config = load_study_config(args.config);
    const pipeline::DryRun dry = pipeline::dry_run(config);
    if (json) pipeline::print_dry_run_json(dry, config, std::cout);
    else pipeline::print_dry_run(dry, std::cout);
    return 0;
  }
  if (!parse_pipeline_args(
          argc, argv, options, args,
          "usage: infobound plan --config FILE --out RUN [--tasks T [--ranks-per-task R]] | --config FILE --dry-run [--json]"))
    return 0;
  if (args.config.empty()) throw UsageError("plan needs --config FILE --out RUN");
  const pipeline::RunDir run = run_dir_of(args);
  const pipeline::PlannedRun planned = pipeline::plan_run(load_study_config(args.config), run);
  std::printf("plan: %zu units, %zu tokenizers, config hash %s -> %s\n", planned.plan.units.size(),
              planned.plan.tokenizers.size(), planned.plan.config_hash.c_str(), run.plan().c_str());
  if (tasks > 0) {
    pipeline::write_task_map(run, pipeline::make_task_map(planned.plan, tasks, ranks_per_task));
    std::printf("plan: units mapped to %lld array tasks x %lld ranks -> %s\n", static_cast<long long>(tasks),
                static_cast<long long>(ranks_per_task), pipeline::task_map_path(run).c_str());
  }
  return 0;
}

const Register registered{
    {"plan", "resolve a study's models and corpus into RUN/plan.json (--dry-run: cost estimate)", run_plan}};

}  // namespace
}  // namespace infobound::cli
