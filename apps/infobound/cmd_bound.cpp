// `infobound bound --run RUN`: the Information Bottleneck curve of the run's corpus (DESIGN.md 6).
#include <cstdio>
#include <iostream>
#include <sstream>

#include <ATen/Parallel.h>
#include <boost/program_options.hpp>

#include "command.hpp"
#include "infobound/bound/run_bound.hpp"
#include "infobound/core/error.hpp"
#include "infobound/pipeline/extract.hpp"
#include "options.hpp"

namespace infobound::cli {
namespace {
namespace po = boost::program_options;

int run_bound_command(int argc, char** argv) {
  bound::BoundRunOptions options;
  std::string run_dir;
  std::vector<int64_t> orders;
  int64_t n_bins = 0;
  int threads = 0;
  std::string schedule = bound::ib_schedule_name(options.ib.schedule);
  po::options_description description(
      "infobound bound --run RUN [options]\n\n"
      "Computes, for each token cache RUN/corpus/<tokenizer>.h5 and each order k, the IB curve of\n"
      "X = input k-gram, Y = next token over the estimator's positions, with |T| = n_bins. Writes\n"
      "RUN/bound.csv and RUN/bound.json (settings). metrics.csv is left as reduce wrote it: report and regress\n"
      "join the two (bound_gap_k / bound_ratio_k).\n\n"
      "options");
  description.add_options()("help,h", "show this help")("run", po::value(&run_dir)->required(), "run directory")(
      "orders", po::value(&orders)->multitoken(), "orders k to compute (default: 1..the largest order of the run)")(
      "n-bins", po::value(&n_bins), "|T| (default: the n_bins of metrics.csv)")(
      "context-cap", po::value(&options.context_cap)->default_value(options.context_cap),
      "keep the most frequent contexts, merge the rest into one (0 = keep all)")(
      "beta-min", po::value(&options.ib.beta_min)->default_value(options.ib.beta_min), "smallest beta of the annealing")(
      "beta-max", po::value(&options.ib.beta_max)->default_value(options.ib.beta_max), "largest beta of the annealing")(
      "betas", po::value(&options.ib.n_betas)->default_value(options.ib.n_betas), "number of betas (geometric)")(
      "restarts", po::value(&options.ib.restarts)->default_value(options.ib.restarts),
      "forward annealing runs from random starts; reverse annealing runs once, from the best of their hard ends")(
      "perturbation", po::value(&options.ib.perturbation)->default_value(options.ib.perturbation),
      "relative noise on p(t|x) before each beta")(
      "max-iterations", po::value(&options.ib.max_iterations)->default_value(options.ib.max_iterations),
      "IB iterations per beta")("tolerance", po::value(&options.ib.tolerance)->default_value(options.ib.tolerance),
                                "stop a beta when max |delta p(t|x)| falls below")(
      "objective-tolerance", po::value(&options.ib.objective_tolerance)->default_value(options.ib.objective_tolerance),
      "adaptive: stop a beta when the IB objective changes by less than this times beta I(X;Y), twice")(
      "hard-candidate-tolerance",
      po::value(&options.ib.hard_candidate_tolerance)->default_value(options.ib.hard_candidate_tolerance),
      "adaptive: stop sequential IB on an intermediate hard candidate when a sweep gains less than this times I(X;Y)")(
      "forward-hard-candidate-sweeps",
      po::value(&options.ib.forward_hard_candidate_sweeps)->default_value(options.ib.forward_hard_candidate_sweeps),
      "adaptive: sequential-IB sweeps (at most) on the nearest hard clustering of each forward-annealing solution past "
      "beta = 1 (0 = none; 100 = until --hard-candidate-tolerance, as before 2026-12-03)")(
      "max-point-step", po::value(&options.ib.max_point_step)->default_value(options.ib.max_point_step),
      "adaptive: halve a beta step whose solution moves further (fraction of ln n_bins or of I(X;Y))")(
      "schedule", po::value(&schedule)->default_value(schedule),
      "adaptive, or reference (the fixed grid and sequential algorithm before issue #12, one thread)")(
      "threads", po::value(&threads)->default_value(0), "threads (0 = all cores); the result does not depend on it")(
      "seed", po::value(&options.ib.seed)->default_value(options.ib.seed), "random seed");
  po::variables_map vm;
  if (!parse_options(argc, argv, description, vm)) return 0;
  options.run_dir = run_dir;
  options.orders = orders;
  if (vm.count("n-bins")) options.n_bins = n_bins;
  if (options.context_cap < 0) throw UsageError("--context-cap must be >= 0");
  if (options.ib.restarts < 1) throw UsageError("--restarts must be >= 1");
  if (options.ib.forward_hard_candidate_sweeps < 0) throw UsageError("--forward-hard-candidate-sweeps must be >= 0");
  if (options.ib.n_betas < 2) throw UsageError("--betas must be >= 2");
  if (!(options.ib.beta_min > 0) || !(options.ib.beta_max > options.ib.beta_min))
    throw UsageError("need 0 < --beta-min < --beta-max");
  if (!(options.ib.objective_tolerance >= 0) || !(options.ib.hard_candidate_tolerance >= 0) || !(options.ib.max_point_step > 0))
    throw UsageError("need --objective-tolerance >= 0, --hard-candidate-tolerance >= 0 and --max-point-step > 0");
  if (threads < 0) throw UsageError("--threads must be >= 0");
  try {
    options.ib.schedule = bound::ib_schedule_from_name(schedule);
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--schedule: ") + e.what());
  }
  // libtorch's own default is not "all cores": on a 2-core VM it gave one thread. The job's CPUs
  // (its affinity mask, capped by SLURM_CPUS_PER_TASK) are what --threads 0 promises.
  at::set_num_threads(threads > 0 ? threads : static_cast<int>(pipeline::threads_for_job_cpus(1)));

  const auto result = bound::run_bound(options);
  std::printf("%-22s %5s %8s %10s %10s %10s %8s\n", "tokenizer", "order", "contexts", "H(X)", "I(X;Y)", "max I(T;Y)", "points");
  for (const auto& c : result.curves) {
    std::printf("%-22s %5lld %8lld %10.4f %10.4f %10.4f %8zu\n", c.tokenizer_id.c_str(), static_cast<long long>(c.order),
                static_cast<long long>(c.n_contexts), c.h_x, c.i_xy, c.points.back().i_ty, c.points.size());
    if (c.context_cap > 0 && c.n_contexts > c.context_cap)
      std::printf(
          "  order %lld: the cap of %lld contexts lowers I(X;Y) from %.4f to %.4f nats (-%.1f%%); the curve cannot exceed it\n",
          static_cast<long long>(c.order), static_cast<long long>(c.context_cap), c.i_xy_uncapped, c.i_xy,
          100 * (c.i_xy_uncapped - c.i_xy) / c.i_xy_uncapped);
  }
  std::printf("(nats) wrote %s/bound.csv%s\n", run_dir.c_str(),
              result.metrics_present ? (" (report and regress join it: bound columns for " +
                                        std::to_string(result.metrics.rows_filled) + " rows of metrics.csv)")
                                           .c_str()
                                     : "");
  return 0;
}

const Register registered{{"bound", "Information Bottleneck curve of the corpus (RUN/bound.csv)", run_bound_command}};
}  // namespace
}  // namespace infobound::cli
