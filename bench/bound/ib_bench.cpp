// The IB curve of one n-gram joint by both schedules in one process: the reference (the
// algorithm before issue #12, one thread) and the adaptive one (1 and N threads).
// Usage: bench_ib [--cache FILE.h5 --positions N] [--order K] [--clusters T] [--restarts R]
//                 [--betas B] [--objective-tolerance E] [--hard-candidate-tolerance E] [--max-point-step D]
//                 [--forward-hard-candidate-sweeps N]
//                 [--threads N] [--no-reference] [--sizes-only]
//                 [--context-cap C] [--max-iterations N] [--converged N]
//                 [--curve-out FILE.csv] [--compare-curve FILE.csv]
//                 [--iterate N --beta B]
// Without --cache the tokens come from a Zipf-Markov source (text-like: a few frequent
// successors per token over a Zipf background). With --cache, the first N positions of a run's
// token cache. Prints one JSON object: the joint's size, wall and CPU seconds, iterations and
// sweeps per schedule, the speed-up, the largest gap between the curves (nats and relative to
// I(X;Y)) and whether 1 and N threads gave bit-identical curves. --converged N also computes the
// adaptive curve with the settings before this release's defaults (3 restarts, objective and
// hard-candidate tolerances 1e-7, forward hard candidates refined to it) and N iterations per
// beta, i.e. run to the end, and gives the adaptive curve's gaps to it. --threads 1 skips the
// second pass. --curve-out writes the adaptive curve's points (i_xt, i_ty, beta; every digit);
// --compare-curve gives the adaptive curve's gaps to such a file, so that two builds can be
// compared on the same case. --iterate N times the engine's loops
// alone, one thread, on the merged joint: N IB iterations at beta B from a random encoder, then
// the hard clustering of the result refined by sequential IB; it prints seconds per iteration
// and per sweep and a checksum of the result (equal checksums: the same doubles).
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <ATen/Parallel.h>

#include "ib_engine.hpp"
#include "ib_threads.hpp"
#include "infobound/bound/information_bottleneck.hpp"
#include "infobound/bound/ngram_joint.hpp"
#include "infobound/core/page_faults.hpp"
#include "infobound/core/runtime_env.hpp"
#include "infobound/corpus/token_cache.hpp"

namespace ib = infobound::bound;
using Clock = std::chrono::steady_clock;

namespace {

double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         1e-6 * static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec);
}

// Token i+1 is one of token i's few favourite successors with probability 0.7, else a Zipf(1.1) draw.
std::vector<int64_t> zipf_markov_tokens(int64_t n, int64_t vocab, uint64_t seed) {
  std::vector<double> weights(vocab);
  for (int64_t i = 0; i < vocab; ++i) weights[i] = 1.0 / std::pow(static_cast<double>(i + 1), 1.1);
  std::discrete_distribution<int64_t> zipf(weights.begin(), weights.end());
  std::mt19937_64 rng(seed);
  std::vector<int64_t> ids(n);
  ids[0] = zipf(rng);
  for (int64_t i = 1; i < n; ++i) {
    const uint64_t favourite = rng() % 4;
    ids[i] = rng() % 10 < 7 ? (ids[i - 1] * 7 + 13 * static_cast<int64_t>(favourite * favourite) + 1) % vocab : zipf(rng);
  }
  return ids;
}

struct Timed {
  ib::IbCurve curve;
  double wall = 0, cpu = 0;
};

Timed timed_curve(const ib::JointDistribution& joint, const ib::IbOptions& options) {
  Timed out;
  const double cpu0 = cpu_seconds();
  const auto t0 = Clock::now();
  out.curve = ib::information_bottleneck_curve(joint, options);
  out.wall = std::chrono::duration<double>(Clock::now() - t0).count();
  out.cpu = cpu_seconds() - cpu0;
  return out;
}

bool identical(const ib::IbCurve& a, const ib::IbCurve& b) {
  if (a.points.size() != b.points.size()) return false;
  for (std::size_t i = 0; i < a.points.size(); ++i)
    if (a.points[i].i_xt != b.points[i].i_xt || a.points[i].i_ty != b.points[i].i_ty) return false;
  return true;
}

void print_schedule(const char* name, const Timed& t, bool comma) {
  std::printf(
      "  \"%s\": {\"wall_s\": %.3f, \"cpu_s\": %.3f, \"points\": %zu, \"max_I_TY\": %.9f, \"betas_solved\": %lld, "
      "\"iterations\": %lld, \"sweeps\": %lld, \"candidates\": %lld, \"contexts_solved\": %lld}%s\n",
      name, t.wall, t.cpu, t.curve.points.size(), t.curve.points.back().i_ty, static_cast<long long>(t.curve.n_betas_solved),
      static_cast<long long>(t.curve.n_iterations), static_cast<long long>(t.curve.n_sweeps),
      static_cast<long long>(t.curve.n_candidates), static_cast<long long>(t.curve.n_contexts_solved), comma ? "," : "");
}

void write_curve(const std::string& path, const ib::IbCurve& curve) {
  std::FILE* out = std::fopen(path.c_str(), "w");
  if (!out) throw std::runtime_error("cannot write " + path);
  std::fprintf(out, "i_xt,i_ty,beta\n");
  for (const ib::IbPoint& p : curve.points) std::fprintf(out, "%.17g,%.17g,%.17g\n", p.i_xt, p.i_ty, p.beta);
  std::fclose(out);
}

std::vector<ib::IbPoint> read_curve(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line) || line != "i_xt,i_ty,beta")
    throw std::runtime_error(path + ": expected a curve written by --curve-out (header i_xt,i_ty,beta)");
  std::vector<ib::IbPoint> points;
  while (std::getline(in, line)) {
    ib::IbPoint p;
    if (std::sscanf(line.c_str(), "%lf,%lf,%lf", &p.i_xt, &p.i_ty, &p.beta) != 3)
      throw std::runtime_error(path + ": cannot read the line '" + line + "'");
    points.push_back(p);
  }
  return points;
}

// The engine's loops alone: IB iterations at one beta, then sequential-IB sweeps from their hard
// clustering (objective tolerance 0: until no move or 100 sweeps).
void time_engine_loops(const ib::JointDistribution& joint, int64_t n_clusters, int64_t iterations, double beta, uint64_t seed) {
  ib::IbThreads threads(1);
  ib::IbEngine engine(joint, n_clusters, threads);
  std::vector<double> encoder = engine.random_encoder(seed, 0);
  auto t0 = Clock::now();
  const ib::IbEngine::Solved solved = engine.solve(beta, encoder, iterations, 0.0, 0.0);
  const double iterate_s = std::chrono::duration<double>(Clock::now() - t0).count();
  std::vector<int32_t> hard = engine.hard_assignment(encoder);
  t0 = Clock::now();
  const int64_t sweeps = engine.refine_hard(hard, 1.0 / beta, 0.0);
  const double sweep_s = std::chrono::duration<double>(Clock::now() - t0).count();
  const ib::IbPoint hard_point = engine.evaluate_hard(hard);
  std::printf(
      "{\"contexts\": %lld, \"nonzeros\": %zu, \"clusters\": %lld, \"beta\": %g, \"iterations\": %lld, "
      "\"seconds_per_iteration\": %.5f, \"sweeps\": %lld, \"seconds_per_sweep\": %.5f, "
      "\"soft_point\": [%.17g, %.17g], \"hard_point\": [%.17g, %.17g]}\n",
      static_cast<long long>(joint.n_x()), joint.y.size(), static_cast<long long>(n_clusters), beta,
      static_cast<long long>(solved.iterations), iterate_s / static_cast<double>(std::max<int64_t>(solved.iterations, 1)),
      static_cast<long long>(sweeps), sweep_s / static_cast<double>(std::max<int64_t>(sweeps, 1)), solved.point.i_xt,
      solved.point.i_ty, hard_point.i_xt, hard_point.i_ty);
}

}  // namespace

int main(int argc, char** argv) {
  infobound::reexec_with_runtime_env(argv, infobound::ThreadWaits::spinning);  // as `infobound bound`
  infobound::keep_freed_memory_for_reuse();                                    // as the commands do
  std::string cache_path, curve_out, compare_curve;
  int64_t positions = 20000, order = 1, vocab = 2000, context_cap = 0, converged_iterations = 0, iterate = 0;
  double iterate_beta = 5;
  int threads = 2;
  bool reference = true, sizes_only = false;
  ib::IbOptions options;
  options.n_clusters = 20;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--cache" && has_value) cache_path = argv[++i];
    else if (arg == "--positions" && has_value) positions = std::stoll(argv[++i]);
    else if (arg == "--order" && has_value) order = std::stoll(argv[++i]);
    else if (arg == "--vocab" && has_value) vocab = std::stoll(argv[++i]);
    else if (arg == "--clusters" && has_value) options.n_clusters = std::stoll(argv[++i]);
    else if (arg == "--restarts" && has_value) options.restarts = std::stoll(argv[++i]);
    else if (arg == "--betas" && has_value) options.n_betas = std::stoll(argv[++i]);
    else if (arg == "--objective-tolerance" && has_value) options.objective_tolerance = std::stod(argv[++i]);
    else if (arg == "--hard-candidate-tolerance" && has_value) options.hard_candidate_tolerance = std::stod(argv[++i]);
    else if (arg == "--forward-hard-candidate-sweeps" && has_value) options.forward_hard_candidate_sweeps = std::stoll(argv[++i]);
    else if (arg == "--max-point-step" && has_value) options.max_point_step = std::stod(argv[++i]);
    else if (arg == "--threads" && has_value) threads = std::stoi(argv[++i]);
    else if (arg == "--no-reference") reference = false;
    else if (arg == "--max-iterations" && has_value) options.max_iterations = std::stoll(argv[++i]);
    else if (arg == "--converged" && has_value) converged_iterations = std::stoll(argv[++i]);
    else if (arg == "--sizes-only") sizes_only = true;
    else if (arg == "--curve-out" && has_value) curve_out = argv[++i];
    else if (arg == "--compare-curve" && has_value) compare_curve = argv[++i];
    else if (arg == "--context-cap" && has_value) context_cap = std::stoll(argv[++i]);
    else if (arg == "--iterate" && has_value) iterate = std::stoll(argv[++i]);
    else if (arg == "--beta" && has_value) iterate_beta = std::stod(argv[++i]);
    else {
      std::fprintf(stderr, "bench_ib: unknown or incomplete argument '%s'\n", arg.c_str());
      return 2;
    }
  }
  std::vector<ib::IbPoint> other;  // the curve of --compare-curve, read before the long computation
  try {
    if (!compare_curve.empty()) other = read_curve(compare_curve);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "bench_ib: %s\n", error.what());
    return 2;
  }
  std::vector<int64_t> ids;
  if (!cache_path.empty()) {
    const auto cache = infobound::corpus::read_token_cache(cache_path).corpus;
    ids.assign(cache.ids.begin(), cache.ids.begin() + std::min<int64_t>(positions, static_cast<int64_t>(cache.ids.size())));
  } else {
    ids = zipf_markov_tokens(positions, vocab, 7);
  }
  const std::vector<int64_t> offsets{0, static_cast<int64_t>(ids.size())};
  ib::NgramJointOptions joint_options;
  joint_options.order = order;
  joint_options.window_order = order;
  joint_options.context_cap = context_cap;
  const ib::NgramJoint ngram = ib::ngram_joint(ids, offsets, joint_options);
  const ib::JointDistribution& joint = ngram.joint;
  if (sizes_only) {
    const ib::JointDistribution merged = joint.merged_identical_rows();
    std::printf(
        "{\"positions\": %lld, \"order\": %lld, \"contexts\": %lld, \"next_tokens\": %lld, \"nonzeros\": %zu, "
        "\"contexts_merged\": %lld, \"nonzeros_merged\": %zu, \"I_XY\": %.9f, \"I_XY_merged\": %.9f}\n",
        static_cast<long long>(ngram.n_positions), static_cast<long long>(order), static_cast<long long>(joint.n_x()),
        static_cast<long long>(joint.n_y), joint.y.size(), static_cast<long long>(merged.n_x()), merged.y.size(),
        joint.mutual_information(), merged.mutual_information());
    return 0;
  }
  if (iterate > 0) {
    time_engine_loops(joint.merged_identical_rows(), options.n_clusters, iterate, iterate_beta, options.seed);
    return 0;
  }

  options.schedule = ib::IbSchedule::adaptive;
  at::set_num_threads(1);
  const Timed one = timed_curve(joint, options);
  at::set_num_threads(threads);
  const Timed many = threads == 1 ? one : timed_curve(joint, options);
  Timed converged;
  if (converged_iterations > 0) {
    ib::IbOptions to_the_end = options;
    to_the_end.restarts = 3;
    to_the_end.objective_tolerance = 1e-7;
    to_the_end.hard_candidate_tolerance = 1e-7;
    to_the_end.forward_hard_candidate_sweeps = 100;
    to_the_end.max_iterations = converged_iterations;
    converged = timed_curve(joint, to_the_end);
  }
  Timed ref;
  if (reference) {
    options.schedule = ib::IbSchedule::reference;
    ref = timed_curve(joint, options);
  }

  std::printf(
      "{\n  \"source\": \"%s\", \"positions\": %lld, \"order\": %lld, \"contexts\": %lld, \"next_tokens\": %lld, "
      "\"nonzeros\": %zu, \"clusters\": %lld, \"restarts\": %lld, \"n_betas\": %lld,\n",
      cache_path.empty() ? "zipf-markov" : cache_path.c_str(), static_cast<long long>(ngram.n_positions),
      static_cast<long long>(order), static_cast<long long>(joint.n_x()), static_cast<long long>(joint.n_y), joint.y.size(),
      static_cast<long long>(options.n_clusters), static_cast<long long>(options.restarts),
      static_cast<long long>(options.n_betas));
  std::printf("  \"I_XY\": %.9f, \"H_X\": %.9f,\n", one.curve.i_xy, one.curve.h_x);
  print_schedule("adaptive_1_thread", one, true);
  print_schedule(("adaptive_" + std::to_string(threads) + "_threads").c_str(), many, true);
  if (reference) {
    print_schedule("reference", ref, true);
    const double gap = ib::curve_distance(many.curve.points, ref.curve.points);
    const double above = ib::curve_excess(many.curve.points, ref.curve.points);
    const double below = ib::curve_excess(ref.curve.points, many.curve.points);
    std::printf(
        "  \"speedup_wall\": %.2f, \"speedup_cpu\": %.2f, \"curve_max_gap_nats\": %.3g, \"curve_max_gap_rel_I_XY\": %.3g, "
        "\"adaptive_above_reference_rel\": %.3g, \"adaptive_below_reference_rel\": %.3g,\n",
        ref.wall / many.wall, ref.cpu / many.cpu, gap, gap / std::max(one.curve.i_xy, 1e-300),
        above / std::max(one.curve.i_xy, 1e-300), below / std::max(one.curve.i_xy, 1e-300));
  }
  if (converged_iterations > 0) {
    print_schedule("previous_settings_run_to_the_end", converged, true);
    const double i_xy = std::max(one.curve.i_xy, 1e-300);
    std::printf(
        "  \"adaptive_vs_run_to_the_end\": {\"speedup_cpu\": %.2f, \"max_gap_rel_I_XY\": %.3g, \"above_rel\": %.3g, "
        "\"below_rel\": %.3g},\n",
        converged.cpu / one.cpu, ib::curve_distance(one.curve.points, converged.curve.points) / i_xy,
        ib::curve_excess(one.curve.points, converged.curve.points) / i_xy,
        ib::curve_excess(converged.curve.points, one.curve.points) / i_xy);
  }
  if (!compare_curve.empty()) {
    const double i_xy = std::max(one.curve.i_xy, 1e-300);
    std::printf("  \"vs_compared_curve\": {\"points\": %zu, \"max_I_TY\": %.9f, \"above_rel\": %.3g, \"below_rel\": %.3g},\n",
                other.size(), other.empty() ? 0.0 : other.back().i_ty, ib::curve_excess(one.curve.points, other) / i_xy,
                ib::curve_excess(other, one.curve.points) / i_xy);
  }
  if (!curve_out.empty()) write_curve(curve_out, one.curve);
  std::printf("  \"thread_scaling\": %.2f, \"bit_identical_across_threads\": %s\n}\n", one.wall / many.wall,
              identical(one.curve, many.curve) ? "true" : "false");
  return 0;
}
