// `infobound run`: plan, extract (all ranks), reduce (rank 0) for one study config; works alone
// and under `mpirun -np N`.
#include <chrono>

#include "command.hpp"
#include "infobound/core/signals.hpp"
#include "infobound/pipeline/extract.hpp"
#include "infobound/pipeline/reduce.hpp"
#include "pipeline_cli.hpp"

namespace infobound::cli {

pipeline::ExtractSummary extract_and_report(const PipelineArgs& args, const dist::Session& session, const pipeline::PlannedRun& planned);
pipeline::ReduceSummary reduce_and_report(const PipelineArgs& args, const pipeline::PlannedRun& planned);

namespace {

int run_run(int argc, char** argv) {
  namespace po = boost::program_options;
  PipelineArgs args;
  po::options_description options("infobound run options");
  add_run_options(options, args);
  add_worker_options(options, args);
  if (!parse_pipeline_args(argc, argv, options, args, "usage: [mpirun -np N] infobound run --config FILE --out RUN")) return 0;
  install_stop_handlers();
  const dist::Session session;
  set_log_prefix(session);
  if (session.rank() == 0) warn_if_slow_blas();
  const auto start = std::chrono::steady_clock::now();
  const pipeline::PlannedRun planned = prepare_run(args, session);
  const double plan_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const pipeline::ExtractSummary extracted = extract_and_report(args, session, planned);
  session.barrier();
  if (session.rank() != 0) return 0;
  const pipeline::ReduceSummary reduced = reduce_and_report(args, planned);
  const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("run: %s done in %.1f s (plan %.1f s, extract %.1f s, reduce %.2f s, %d rank%s)\n", planned.plan.study.c_str(), total, plan_seconds,
              extracted.seconds, reduced.seconds, session.size(), session.size() == 1 ? "" : "s");
  return 0;
}

const Register registered{{"run", "plan + extract + reduce a study on this machine (also under mpirun)", run_run}};

}  // namespace
}  // namespace infobound::cli
