// `infobound eval`: scores every checkpoint of a study on its infobound_eval benchmark tasks and
// writes lm-evaluation-harness results JSON to RUN/eval/ (docs/eval.md); also under mpirun.
#include "command.hpp"
#include "infobound/eval/evaluate_run.hpp"
#include "pipeline_cli.hpp"

namespace infobound::cli {

// Shared with `run`: this rank's share of the checkpoints, and the totals of all ranks (rank 0).
void eval_and_report(const PipelineArgs& args, const dist::Session& session, const pipeline::PlannedRun& planned) {
  const eval::EvalSummary mine = eval::evaluate_run(planned, run_dir_of(args), session.rank(), session.size(), args.threads);
  const int64_t scored = session.sum(mine.scored), kept = session.sum(mine.kept);
  const double seconds = session.max(mine.seconds);
  if (session.rank() == 0 && scored + kept > 0) {
    std::printf("eval: %lld checkpoint results scored, %lld kept from an earlier run, %.1f s -> %s\n",
                static_cast<long long>(scored), static_cast<long long>(kept), seconds, (run_dir_of(args).root / "eval").c_str());
    std::fflush(stdout);
  }
}

namespace {

int run_eval(int argc, char** argv) {
  namespace po = boost::program_options;
  PipelineArgs args;
  po::options_description options("infobound eval options");
  add_run_options(options, args);
  options.add_options()("threads", po::value(&args.threads), "torch threads per rank (default: runtime.threads)");
  if (!parse_pipeline_args(argc, argv, options, args,
                           "usage: [mpirun -np N] infobound eval (--config FILE --out RUN | --run RUN)"))
    return 0;
  const dist::Session session;
  set_log_prefix(session);
  const pipeline::PlannedRun planned = prepare_run(args, session);
  bool any = false;
  for (const auto& b : planned.config.benchmarks) any = any || b.format == "infobound_eval";
  if (!any) throw InputError(planned.config.file.string() + ": no benchmark with format infobound_eval (see docs/eval.md)");
  eval_and_report(args, session, planned);
  return 0;
}

const Register registered{
    {"eval", "score every checkpoint on the study's eval tasks -> lm-eval results JSON (also under mpirun)", run_eval}};

}  // namespace
}  // namespace infobound::cli
