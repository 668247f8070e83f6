// `infobound reduce`: merge all unit files in plan order into RUN/results.h5 and RUN/metrics.csv.
#include "command.hpp"
#include "infobound/pipeline/reduce.hpp"
#include "pipeline_cli.hpp"

namespace infobound::cli {

pipeline::ReduceSummary reduce_and_report(const PipelineArgs& args, const pipeline::PlannedRun& planned,
                                          const pipeline::ReduceOptions& options) {
  const pipeline::RunDir run = run_dir_of(args);
  const pipeline::ReduceSummary summary = pipeline::reduce_run(planned, run, options);
  std::printf("reduce: merged %lld units into %lld rows in %.2f s -> %s, %s\n", static_cast<long long>(summary.units),
              static_cast<long long>(summary.rows), summary.seconds, run.metrics_csv().c_str(), run.results().c_str());
  if (!summary.missing_units.empty())
    std::printf(
        "reduce: INCOMPLETE run: %zu units left out (their models and checkpoints have no rows; column %s, results.h5 complete = "
        "0)\n",
        summary.missing_units.size(), pipeline::kIncompleteColumn);
  std::fflush(stdout);
  return summary;
}

namespace {

int run_reduce(int argc, char** argv) {
  namespace po = boost::program_options;
  PipelineArgs args;
  po::options_description options("infobound reduce options");
  add_run_options(options, args);
  pipeline::ReduceOptions reduce_options;
  options.add_options()(
      "allow-incomplete", po::bool_switch(&reduce_options.allow_incomplete),
      "with failed or missing units: write the complete models and checkpoints only, the run marked incomplete");
  if (!parse_pipeline_args(argc, argv, options, args,
                           "usage: infobound reduce (--config FILE --out RUN | --run RUN) [--allow-incomplete]"))
    return 0;
  const dist::Session session;
  set_log_prefix(session);
  if (session.rank() != 0) return 0;  // one process merges; the others have nothing to do
  const pipeline::RunDir run = run_dir_of(args);
  const pipeline::PlannedRun planned = args.config.empty()
                                           ? pipeline::load_planned_run(run)
                                           : pipeline::PlannedRun{load_study_config(args.config), read_plan(run.plan())};
  if (!args.config.empty() && planned.plan.config_hash != config_hash(planned.config))
    throw InputError(run.root.string() + ": planned for another config (hash " + planned.plan.config_hash + "); use --run " +
                     run.root.string());
  reduce_and_report(args, planned, reduce_options);
  return 0;
}

const Register registered{{"reduce", "merge a run's unit files into results.h5 and metrics.csv", run_reduce}};

}  // namespace
}  // namespace infobound::cli
