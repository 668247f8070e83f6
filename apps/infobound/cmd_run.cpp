// `infobound run`: plan, extract and eval (all ranks), reduce, bound, regress and report (rank 0) for one study
// config; works alone and under `mpirun -np N`.
#include <chrono>

#include "command.hpp"
#include "infobound/bound/run_bound.hpp"
#include "infobound/core/signals.hpp"
#include "infobound/eval/evaluate_run.hpp"
#include "infobound/pipeline/extract.hpp"
#include "infobound/pipeline/reduce.hpp"
#include "infobound/report/report.hpp"
#include "pipeline_cli.hpp"

namespace infobound::cli {

pipeline::ExtractSummary extract_and_report(const PipelineArgs& args, const dist::Session& session,
                                            const pipeline::PlannedRun& planned);
pipeline::ReduceSummary reduce_and_report(const PipelineArgs& args, const pipeline::PlannedRun& planned,
                                          const pipeline::ReduceOptions& options);
int report_failed_units(const char* command, const pipeline::ExtractSummary& summary, const pipeline::RunDir& run,
                        const dist::Session& session);
void eval_and_report(const PipelineArgs& args, const dist::Session& session, const pipeline::PlannedRun& planned);

namespace {

int run_run(int argc, char** argv) {
  namespace po = boost::program_options;
  PipelineArgs args;
  po::options_description options("infobound run options");
  add_run_options(options, args);
  add_worker_options(options, args);
  bool no_analysis = false;
  options.add_options()("no-analysis", po::bool_switch(&no_analysis), "stop after reduce (no bound, no report)");
  if (!parse_pipeline_args(argc, argv, options, args,
                           "usage: [mpirun -np N] infobound run --config FILE --out RUN [--no-analysis]"))
    return 0;
  install_stop_handlers();
  const dist::Session session;
  set_log_prefix(session);
  if (session.rank() == 0) warn_if_slow_blas();
  const auto start = std::chrono::steady_clock::now();
  const pipeline::PlannedRun planned = prepare_run(args, session);
  const double plan_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const pipeline::ExtractSummary extracted = extract_and_report(args, session, planned);
  // Failed units: no reduce over an incomplete run; every rank returns the same code.
  if (const int code = report_failed_units("run", extracted, run_dir_of(args), session)) return code;
  // The eval tasks of infobound_eval benchmarks, shared by all ranks like extract.
  if (!no_analysis) eval_and_report(args, session, planned);
  session.barrier();
  if (session.rank() != 0) return 0;
  const pipeline::ReduceSummary reduced = reduce_and_report(args, planned, {});
  double analysis_seconds = 0;
  // Bound and report have nothing to stop at a boundary: signals terminate them as usual.
  restore_default_stop_handlers();
  if (!no_analysis) {
    // The corpus bound (bound.csv + bound columns of metrics.csv) and the report, with their defaults;
    // `infobound bound|report --run RUN` redo them with other options.
    const auto analysis_start = std::chrono::steady_clock::now();
    bound::BoundRunOptions bound_options;
    bound_options.run_dir = std::filesystem::absolute(run_dir_of(args).root);
    const BoundSpec& spec = planned.config.bound;
    bound_options.orders = spec.orders;
    if (spec.context_cap) bound_options.context_cap = *spec.context_cap;
    if (spec.n_betas) bound_options.ib.n_betas = *spec.n_betas;
    if (spec.restarts) bound_options.ib.restarts = *spec.restarts;
    if (spec.max_iterations) bound_options.ib.max_iterations = *spec.max_iterations;
    if (spec.enabled) {
      const bound::BoundRunResult bounded = bound::run_bound(bound_options);
      std::printf("bound: %zu curves -> %s\n", bounded.curves.size(), (bound_options.run_dir / "bound.csv").c_str());
    }
    if (eval::regress_configured_benchmarks(planned.config, bound_options.run_dir))
      std::printf("regress: %zu benchmark source(s) -> %s\n", planned.config.benchmarks.size(),
                  (bound_options.run_dir / "regression").c_str());
    report::ReportOptions report_options;
    report_options.run_dir = bound_options.run_dir;
    const report::ReportResult reported = report::write_report(report_options);
    std::printf("report: %zu figures -> %s\n", reported.figures.size(), reported.markdown.c_str());
    analysis_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - analysis_start).count();
  }
  const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("run: %s done in %.1f s (plan %.1f s, extract %.1f s, reduce %.2f s, bound + report %.1f s, %d rank%s)\n",
              planned.plan.study.c_str(), total, plan_seconds, extracted.seconds, reduced.seconds, analysis_seconds,
              session.size(), session.size() == 1 ? "" : "s");
  return 0;
}

const Register registered{
    {"run", "plan + extract + eval + reduce + bound + regress + report a study (also under mpirun)", run_run}};

}  // namespace
}  // namespace infobound::cli
