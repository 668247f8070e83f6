// `infobound extract`: compute this worker's units (MPI rank x Slurm array task) into RUN/units/.
#include <cstdlib>
#include <set>
#include "command.hpp"
#include "infobound/core/signals.hpp"

#include "infobound/pipeline/extract.hpp"
#include "infobound/pipeline/run_status.hpp"
#include "infobound/pipeline/task_map.hpp"
#include "pipeline_cli.hpp"

namespace infobound::cli {
namespace {

std::vector<std::string> failed_units_of_task(const pipeline::PlannedRun& planned, const pipeline::RunDir& run,
                                              const dist::Worker& worker, const pipeline::TaskMap* map) {
  std::set<std::string> ours;
  for (const int64_t index : pipeline::units_of_task(planned.plan, worker, map))
    ours.insert(planned.plan.units[static_cast<std::size_t>(index)].id);
  std::vector<std::string> failed;
  for (const auto& failure : pipeline::read_unit_failures(run))
    if (ours.count(failure.unit)) failed.push_back(failure.unit + " (" + failure.reason + ")");
  return failed;
}

}  // namespace

int report_failed_units(const char* command, const pipeline::ExtractSummary& summary, const pipeline::RunDir& run,
                        const dist::Session& session) {
  if (summary.failed_units.empty()) return 0;
  if (session.rank() == 0) {
    std::string list;
    for (std::size_t i = 0; i < summary.failed_units.size(); ++i) list += (i ? ", " : "") + summary.failed_units[i];
    std::fprintf(stderr,
                 "infobound %s: finished with %zu failed unit%s: %s; the full messages are in %s, and the next `infobound "
                 "extract` retries them\n",
                 command, summary.failed_units.size(), summary.failed_units.size() == 1 ? "" : "s", list.c_str(),
                 pipeline::failures_dir(run).c_str());
  }
  return kExitFailedUnits;
}

// Shared with `run`: extracts this process's units and prints the totals of all ranks (rank 0).
pipeline::ExtractSummary extract_and_report(const PipelineArgs& args, const dist::Session& session,
                                            const pipeline::PlannedRun& planned) {
  const pipeline::RunDir run = run_dir_of(args);
  const std::optional<pipeline::TaskMap> task_map = pipeline::read_task_map(run, planned.plan);
  const dist::Team team(session, planned.config.runtime.ranks_per_unit);
  const dist::Worker worker =
      pipeline::resolve_worker_of_run(session, args.array_task >= 0 ? std::optional<int>(args.array_task) : std::nullopt,
                                      args.array_count >= 0 ? std::optional<int>(args.array_count) : std::nullopt, task_map,
                                      planned.config.runtime.ranks_per_unit);
  pipeline::ExtractOptions options;
  if (task_map && (args.array_task >= 0 || std::getenv("SLURM_ARRAY_TASK_ID"))) options.task_map = &*task_map;
  options.threads = args.threads;
  options.local_ranks = session.local_size();
  options.local_rank = session.local_rank();
  options.show_bar = session.rank() == 0;
  const pipeline::ExtractSummary mine = pipeline::extract_units(planned, run, worker, team, options);
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
  // After the collective sums every rank has written its failure records: all ranks read the same
  // list (this task's units), so they all return the same exit code.
  all.failed_units = failed_units_of_task(planned, run, worker, options.task_map);
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
                           "usage: [mpirun -np N | srun] infobound extract (--config FILE --out RUN | --run RUN) [--array-task I "
                           "--array-count N]"))
    return 0;
  install_stop_handlers();
  const dist::Session session;
  set_log_prefix(session);
  warn_if_slow_blas();
  const pipeline::PlannedRun planned = prepare_run(args, session);
  const pipeline::ExtractSummary all = extract_and_report(args, session, planned);
  return report_failed_units("extract", all, run_dir_of(args), session);
}

const Register registered{
    {"extract", "compute this rank's / array task's units of a planned run (MPI, Slurm arrays)", run_extract}};

}  // namespace
}  // namespace infobound::cli
