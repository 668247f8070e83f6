#include "infobound/bound/run_bound.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <fstream>
#include <set>
#include <sstream>

#include <ATen/Parallel.h>
#include <nlohmann/json.hpp>

#include "infobound/bound/ngram_joint.hpp"
#include "infobound/core/atomic_file.hpp"
#include "infobound/core/config.hpp"
#include "infobound/core/error.hpp"
#include "infobound/core/log.hpp"
#include "infobound/core/version.hpp"
#include "infobound/corpus/token_cache.hpp"

namespace infobound::bound {
namespace {

int64_t n_bins_of_metrics(const io::CsvTable& metrics) {
  // The bound is computed for one |T|, the estimator's n_bins.
  const std::size_t col = metrics.column("n_bins");
  std::set<int64_t> values;
  for (std::size_t r = 0; r < metrics.num_rows(); ++r)
    if (const auto v = metrics.number(r, col)) values.insert(static_cast<int64_t>(std::llround(*v)));
  if (values.empty()) throw InputError(metrics.source() + ": no row has n_bins; pass --n-bins");
  if (values.size() > 1)
    throw InputError(metrics.source() + ": rows use " + std::to_string(values.size()) +
                     " different n_bins values; the bound is computed for one |T|: pass --n-bins");
  return *values.begin();
}

void write_settings(const std::filesystem::path& path, const BoundRunOptions& options, const IbOptions& ib,
                    const nlohmann::json& per_curve) {
  nlohmann::json j;
  j["infobound_version"] = kVersion;
  j["n_clusters"] = ib.n_clusters;
  j["context_cap"] = options.context_cap;
  j["schedule"] = ib_schedule_name(ib.schedule);
  j["objective_tolerance"] = ib.objective_tolerance;
  j["hard_candidate_tolerance"] = ib.hard_candidate_tolerance;
  j["forward_hard_candidate_sweeps"] = ib.forward_hard_candidate_sweeps;
  j["max_point_step"] = ib.max_point_step;
  j["threads"] = at::get_num_threads();  // does not change the result
  j["beta_min"] = ib.beta_min;
  j["beta_max"] = ib.beta_max;
  j["n_betas"] = ib.n_betas;
  j["restarts"] = ib.restarts;
  j["perturbation"] = ib.perturbation;
  j["max_iterations"] = ib.max_iterations;
  j["tolerance"] = ib.tolerance;
  j["seed"] = ib.seed;
  j["x"] = "input k-gram ending at the position";
  j["y"] = "next token";
  j["curves"] = per_curve;
  write_file_atomically(path, j.dump(2) + "\n");
}

// All caches RUN/corpus/*.h5, sorted by tokenizer id.
std::vector<std::filesystem::path> find_token_caches(const std::filesystem::path& run_dir) {
  const auto corpus = run_dir / "corpus";
  std::vector<std::filesystem::path> caches;
  if (!std::filesystem::is_directory(corpus)) return caches;
  for (const auto& entry : std::filesystem::directory_iterator(corpus))
    if (entry.is_regular_file() && entry.path().extension() == ".h5") caches.push_back(entry.path());
  std::sort(caches.begin(), caches.end());
  return caches;
}

// One order of one token cache: the joint, then (solved with the cache's other orders) its IB
// curve, what the cap cost, and the bound.json record.
struct OrderJoint {
  int64_t order = 0;
  NgramJointOptions options;
  NgramJoint ngram;
  double i_xy_uncapped = 0;
};

OrderJoint order_joint(const corpus::TokenCache& cache, const std::filesystem::path& cache_path, int64_t k, int64_t context_cap) {
  const int64_t max_order = cache.info.max_order;
  const std::string& window = cache.info.window;
  if (k < 1 || k > kMaxOrder) throw InputError("order " + std::to_string(k) + " is outside 1.." + std::to_string(kMaxOrder));
  if (window == "soft_h" && k > max_order)
    throw InputError(cache_path.string() + ": order " + std::to_string(k) + " exceeds the cache's max_order " +
                     std::to_string(max_order));
  OrderJoint joint;
  joint.order = k;
  joint.options.order = k;
  joint.options.window_order = max_order;
  joint.options.per_order_window = window == "per_order";
  joint.options.context_cap = context_cap;
  joint.ngram = ngram_joint(cache.corpus.ids, cache.corpus.offsets, joint.options);
  // What the cap costs, measured: I(X;Y) over every context, next to that of the capped X.
  joint.i_xy_uncapped = joint.ngram.joint.mutual_information();
  if (joint.ngram.merged_contexts > 0) {
    NgramJointOptions uncapped = joint.options;
    uncapped.context_cap = 0;
    joint.i_xy_uncapped = ngram_joint(cache.corpus.ids, cache.corpus.offsets, uncapped).joint.mutual_information();
  }
  return joint;
}

struct SolvedCurve {
  OrderCurve curve;
  nlohmann::json record;
};

// The curve of one order as bound.csv and bound.json hold it, and its log line.
SolvedCurve describe_curve(const corpus::TokenCache& cache, const OrderJoint& joint, const IbCurve& ib_curve, int64_t n_bins,
                           int64_t context_cap, const std::vector<int64_t>& orders, double seconds, double cpu_seconds) {
  SolvedCurve solved;
  const NgramJoint& ngram = joint.ngram;
  const int64_t k = joint.order;
  OrderCurve& curve = solved.curve;
  curve.tokenizer_id = cache.tokenizer_id;
  curve.order = k;
  curve.n_bins = n_bins;
  curve.points = ib_curve.points;
  curve.h_x = ib_curve.h_x;
  curve.h_y = ib_curve.h_y;
  curve.i_xy = ib_curve.i_xy;
  curve.n_contexts = ngram.n_contexts;
  curve.context_cap = context_cap;
  curve.i_xy_uncapped = joint.i_xy_uncapped;

  std::ostringstream message;
  message << cache.tokenizer_id << " order " << k << ": " << ngram.n_positions << " positions, " << ngram.n_contexts
          << " contexts" << (ngram.merged_contexts ? " (" + std::to_string(ngram.merged_contexts) + " merged by the cap)" : "")
          << ", " << ngram.n_tokens << " next tokens; I(X;Y) = " << ib_curve.i_xy << " nats";
  if (ngram.merged_contexts > 0)
    message << " (" << joint.i_xy_uncapped << " without the cap: the cap removes " << joint.i_xy_uncapped - ib_curve.i_xy
            << " nats, " << 100 * (joint.i_xy_uncapped - ib_curve.i_xy) / joint.i_xy_uncapped
            << "%, and the curve cannot reach above its I(X;Y))";
  message << ", curve max I(T;Y) = " << ib_curve.points.back().i_ty << " nats, " << ib_curve.points.size() << " points ("
          << ib_curve.n_pruned << " pruned; " << ib_curve.n_contexts_solved << " distinct rows p(y|x), "
          << ib_curve.n_betas_solved << " betas, " << ib_curve.n_iterations << " iterations, " << ib_curve.n_sweeps
          << " sIB sweeps, " << ib_curve.threads_used << " threads)";
  log::info(message.str());
  solved.record = {{"tokenizer_id", cache.tokenizer_id},
                   {"order", k},
                   {"window", cache.info.window},
                   {"window_order", joint.options.per_order_window ? k : cache.info.max_order},
                   {"n_positions", ngram.n_positions},
                   {"n_contexts", ngram.n_contexts},
                   {"merged_contexts", ngram.merged_contexts},
                   {"I_XY", ib_curve.i_xy},
                   {"I_XY_uncapped", joint.i_xy_uncapped},
                   {"I_XY_lost_to_cap", joint.i_xy_uncapped - ib_curve.i_xy},
                   {"distinct_rows", ib_curve.n_contexts_solved},
                   {"betas_solved", ib_curve.n_betas_solved},
                   {"iterations", ib_curve.n_iterations},
                   {"sweeps", ib_curve.n_sweeps},
                   {"threads_used", ib_curve.threads_used},
                   {"n_next_tokens", ngram.n_tokens},
                   {"n_candidates", ib_curve.n_candidates},
                   {"n_pruned", ib_curve.n_pruned},
                   {"solved_with_orders", orders},
                   {"seconds", seconds},
                   {"cpu_seconds", cpu_seconds}};
  return solved;
}

// The curves of the given orders of one token cache, solved together so that their restarts
// share the threads; seconds and CPU seconds are those of all of them.
std::vector<SolvedCurve> solve_orders(const corpus::TokenCache& cache, const std::filesystem::path& cache_path,
                                      const std::vector<int64_t>& orders, int64_t n_bins, int64_t context_cap,
                                      const IbOptions& ib) {
  const auto started = std::chrono::steady_clock::now();
  const std::clock_t cpu_started = std::clock();
  std::vector<OrderJoint> joints;
  for (const int64_t k : orders) joints.push_back(order_joint(cache, cache_path, k, context_cap));
  std::vector<const JointDistribution*> distributions;
  std::vector<IbOptions> options;
  std::vector<std::string> names;
  for (const OrderJoint& joint : joints) names.push_back(cache.tokenizer_id + " order " + std::to_string(joint.order));
  for (std::size_t i = 0; i < joints.size(); ++i) {
    distributions.push_back(&joints[i].ngram.joint);
    options.push_back(ib);
    options.back().progress = [&name = names[i]](const std::string& line) { log::info(name + ", " + line); };
  }
  const std::vector<IbCurve> ib_curves = information_bottleneck_curves(distributions, options);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const double cpu_seconds = static_cast<double>(std::clock() - cpu_started) / CLOCKS_PER_SEC;  // all threads

  std::vector<SolvedCurve> solved;
  for (std::size_t i = 0; i < joints.size(); ++i)
    solved.push_back(describe_curve(cache, joints[i], ib_curves[i], n_bins, context_cap, orders, seconds, cpu_seconds));
  std::ostringstream done;
  done << cache.tokenizer_id << ": " << joints.size() << " curve" << (joints.size() == 1 ? "" : "s") << " in " << seconds
       << " s (" << cpu_seconds << " s CPU)";
  log::info(done.str());
  return solved;
}

}  // namespace

BoundRunResult run_bound(const BoundRunOptions& options) {
  if (!std::filesystem::is_directory(options.run_dir)) throw InputError(options.run_dir.string() + ": run directory not found");
  const auto metrics_path = options.run_dir / "metrics.csv";
  std::optional<io::MetricsTable> metrics;
  if (std::filesystem::exists(metrics_path)) metrics = io::MetricsTable::read(metrics_path);

  int64_t n_bins = 0;
  if (options.n_bins) n_bins = *options.n_bins;
  else if (metrics) n_bins = n_bins_of_metrics(metrics->table());
  else throw InputError(metrics_path.string() + ": not found, so n_bins is unknown: pass --n-bins");
  if (n_bins < 2 || n_bins > kMaxBins)
    throw InputError(std::string(options.n_bins ? "--n-bins" : metrics_path.string() + ": n_bins") + " must be in 2.." +
                     std::to_string(kMaxBins) + " (got " + std::to_string(n_bins) + "); " + kMaxBinsReason);

  const auto caches = find_token_caches(options.run_dir);
  if (caches.empty())
    throw InputError((options.run_dir / "corpus").string() +
                     ": no token cache (<tokenizer-id>.h5); run `infobound extract` first");

  IbOptions ib = options.ib;
  ib.n_clusters = n_bins;
  BoundRunResult result;
  nlohmann::json per_curve = nlohmann::json::array();
  for (const auto& cache_path : caches) {
    const corpus::TokenCache cache = corpus::read_token_cache(cache_path);
    std::vector<int64_t> orders = options.orders;
    if (orders.empty())
      for (int64_t k = 1; k <= cache.info.max_order; ++k) orders.push_back(k);
    for (SolvedCurve& solved : solve_orders(cache, cache_path, orders, n_bins, options.context_cap, ib)) {
      result.curves.push_back(std::move(solved.curve));
      per_curve.push_back(std::move(solved.record));
    }
  }
  write_bound_csv(options.run_dir / "bound.csv", result.curves);
  write_settings(options.run_dir / "bound.json", options, ib, per_curve);

  if (metrics) {
    // metrics.csv stays as reduce wrote it; this is what the view (report, regress) will join.
    result.metrics = add_bound_columns(*metrics, result.curves);
    result.metrics_present = true;
    for (const auto& id : result.metrics.tokenizers_missing)
      log::warn(metrics_path.string() + ": rows with tokenizer_id '" + id +
                "' have no token cache in corpus/; their bound columns stay empty");
  } else {
    log::warn(metrics_path.string() + ": not found; bound.csv written, the report joins it once `reduce` has run");
  }
  return result;
}

}  // namespace infobound::bound
