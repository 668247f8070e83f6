#pragma once
// What the pipeline subcommands (plan, extract, reduce, run) share: their options, how a run
// directory is found or planned, and process-level set-up (log prefix, stop signals).
#include <sys/resource.h>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>

#include <boost/program_options.hpp>

#include "infobound/core/blas.hpp"
#include "infobound/core/error.hpp"
#include "infobound/core/log.hpp"
#include "infobound/dist/session.hpp"
#include "infobound/pipeline/planner.hpp"
#include "infobound/pipeline/run_dir.hpp"
#include "options.hpp"

namespace infobound::cli {

// Exit codes besides 0, 1 (internal error), 2 (input) and 3 (interrupted): extract finished the
// units it could and some failed (recorded in RUN/failures/).
constexpr int kExitFailedUnits = 4;

struct PipelineArgs {
  std::string config;
  std::string out;
  std::string run;
  int array_task = -1;
  int array_count = -1;
  int64_t threads = 0;
  bool dry_run = false;
  bool verbose = false;
  bool help = false;
};

inline void add_run_options(boost::program_options::options_description& options, PipelineArgs& args) {
  namespace po = boost::program_options;
  options.add_options()("help,h", po::bool_switch(&args.help), "show this help")(
      "config", po::value(&args.config), "study config (YAML), with --out")("out", po::value(&args.out),
                                                                            "run directory to create or continue")(
      "run", po::value(&args.run), "an already planned run directory (instead of --config/--out)")(
      "verbose,v", po::bool_switch(&args.verbose), "debug logging");
}

inline void add_worker_options(boost::program_options::options_description& options, PipelineArgs& args) {
  namespace po = boost::program_options;
  options.add_options()("array-task", po::value(&args.array_task),
                        "this task's index in a job array (default: SLURM_ARRAY_TASK_ID)")(
      "array-count", po::value(&args.array_count), "number of tasks in the job array (default: SLURM_ARRAY_TASK_COUNT)")(
      "threads", po::value(&args.threads), "torch threads per rank (default: runtime.threads, else cores / ranks on the node)");
}

// Parses argv; returns false (after printing help) when --help was given.
inline bool parse_pipeline_args(int argc, char** argv, boost::program_options::options_description& options, PipelineArgs& args,
                                const char* usage) {
  boost::program_options::variables_map vm;
  if (!parse_options(argc, argv, options, vm, usage)) return false;
  if (!args.run.empty() && (!args.config.empty() || !args.out.empty()))
    throw UsageError("give --run RUN alone, or --config FILE --out RUN");
  if (args.run.empty() && (args.config.empty() || args.out.empty()))
    throw UsageError("give --config FILE --out RUN (or --run RUN once planned)");
  for (const std::string& dir : {args.out, args.run}) {
    std::error_code error;
    if (!dir.empty() && std::filesystem::exists(dir, error) && !std::filesystem::is_directory(dir, error))
      throw InputError(dir + ": exists and is not a directory (a run directory is expected)");
  }
  if (args.verbose) log::set_level(log::Level::debug);
  return true;
}

inline void set_log_prefix(const dist::Session& session) {
  if (session.size() > 1) log::set_prefix("rank " + std::to_string(session.rank()) + "/" + std::to_string(session.size()));
}

inline pipeline::RunDir run_dir_of(const PipelineArgs& args) {
  return pipeline::RunDir{std::filesystem::path(args.run.empty() ? args.out : args.run)};
}

// With --config/--out, rank 0 plans (idempotent for the same config) and every rank then reads
// the plan; a planning error reaches every rank. With --run, the planned run is read as it is.
inline pipeline::PlannedRun prepare_run(const PipelineArgs& args, const dist::Session& session) {
  const pipeline::RunDir run = run_dir_of(args);
  if (!args.config.empty()) {
    session.on_rank0_then_share_errors([&] { pipeline::plan_run(load_study_config(args.config), run, session.local_size()); });
    return pipeline::PlannedRun{load_study_config(args.config), read_plan(run.plan())};
  }
  // Rank 0 checks first so that every rank reports the same error instead of each its own.
  session.on_rank0_then_share_errors([&] { pipeline::load_planned_run(run); });
  return pipeline::load_planned_run(run);
}

inline double peak_rss_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

}  // namespace infobound::cli
