// `infobound extract`: compute this worker's units (MPI rank x Slurm array task) into RUN/units/.
#include "command.hpp"
#include "infobound/core/signals.hpp"
#include "infobound/pipeline/extract.hpp"
#include "pipeline_cli.hpp"

namespace infobound::cli {

// Shared with `run`: extracts this process's units and prints the totals of all ranks (rank 0).
pipeline::ExtractSummary extract_and_report(const PipelineArgs& args, const dist::Session& session, const pipeline::PlannedRun& planned) {
  const dist::Team team(session, planned.config.runtime.ranks_per_unit);
  const dist::Worker worker = dist::resolve_worker(session, args.array_task >= 0 ? std::optional<int>(args.array_task) : std::nullopt,
                                                   args.array_count >= 0 ? std::optional<int>(args.array_count) : std::nullopt,
                                                   planned.config.runtime.ranks_per_unit);
  pipeline::ExtractOptions options;
  options.threads = args.threads;
  options.local_ranks = session.local_size();
  options.show_bar = session.rank() == 0;
  const pipeline::ExtractSummary mine = pipeline::extract_units(planned, run_dir_of(args), worker, team, options);
  char line[256];
  std::snprintf(line, sizeof line, "%s: %lld units computed, %lld skipped, %.1f s, peak RSS %.0f MiB", worker.describe().c_str(),
                static_cast<long long>(mine.computed), static_cast<long long>(mine.skipped), mine.seconds, peak_rss_mib());
  log::info(line);
  pipeline::ExtractSummary all = mine;
  all.owned = session.sum(mine.owned);
  all.computed = session.sum(mine.computed);
  all.skipped = session.sum(mine.skipped);
  all.recomputed = session.sum(mine.recomputed);
  all.tokens = session.sum(mine.tokens);
  all.seconds = session.max(mine.seconds);  // the slowest worker sets the wall time
  if (session.rank() == 0) {
    std::printf("extract: %lld units computed (%lld replaced an unusable file), %lld already complete, %lld tokens, %.1f s\n",
                static_cast<long long>(all.computed), static_cast<long long>(all.recomputed), static_cast<long long>(all.skipped),
                static_cast<long long>(all.tokens), all.seconds);
    std::fflush(stdout);
  }
  return all;
}

namespace {

int run_extract(int argc, char** argv) {
  namespace po = boost::program_options;
  PipelineArgs args;
  po::options_description options("infobound extract options");
  add_run_options(options, args);
  add_worker_options(options, args);
  if (!parse_pipeline_args(argc, argv, options, args,
                           "usage: [mpirun -np N | srun] infobound extract (--config FILE --out RUN | --run RUN) [--array-task I --array-count N]"))
    return 0;
  install_stop_handlers();
  const dist::Session session;
  set_log_prefix(session);
  warn_if_slow_blas();
  const pipeline::PlannedRun planned = prepare_run(args, session);
  extract_and_report(args, session, planned);
  return 0;
}

const Register registered{{"extract", "compute this rank's / array task's units of a planned run (MPI, Slurm arrays)", run_extract}};

}  // namespace
}  // namespace infobound::cli
