// The adaptive IB schedule (IbSchedule::adaptive) and the entry point of both schedules.
#include "infobound/bound/information_bottleneck.hpp"

#include <ATen/Parallel.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <mutex>
#include <stdexcept>

#include "ib_engine.hpp"
#include "ib_schedules.hpp"

namespace infobound::bound {
namespace {

// How far apart two solutions are, in units of the curve's axes: I(X;T) / ln|T| and I(T;Y) / I(X;Y).
double point_distance(const IbPoint& a, const IbPoint& b, double log_clusters, double i_xy) {
  const double dx = std::abs(a.i_xt - b.i_xt) / log_clusters;
  const double dy = i_xy > 0 ? std::abs(a.i_ty - b.i_ty) / i_xy : 0.0;
  return std::max(dx, dy);
}

// One restart of the adaptive schedule: its own engine and random streams, so restarts can run
// side by side and each gives the same candidates whichever thread runs it.
class AdaptiveSchedule {
 public:
  using Progress = std::function<void(const std::string&)>;
  AdaptiveSchedule(const JointDistribution& joint, const IbOptions& options, Progress progress)
      : options_(options),
        progress_(std::move(progress)),
        engine_(joint, options.n_clusters),
        log_clusters_(std::log(static_cast<double>(options.n_clusters))) {
    const double grid_ratio = std::pow(options.beta_max / options.beta_min, 1.0 / static_cast<double>(options.n_betas - 1));
    log_step_ = std::log(grid_ratio);
    min_log_step_ = log_step_ / 4;
    max_log_step_ = log_step_ * 4;
  }

  void run_restart(int64_t restart) {
    restart_ = static_cast<uint64_t>(restart);
    std::vector<double> encoder = engine_.random_encoder(options_.seed, stream());
    const std::vector<double> betas = anneal_forward(encoder);
    report(restart, "forward annealing");
    // The hard end: improve the clustering by sequential reassignment (maximises I(T;Y)), then
    // go back down from it, hard and soft, which reaches frontier points forward annealing skipped.
    std::vector<int32_t> assignment = engine_.hard_assignment(encoder);
    curve_.n_sweeps += engine_.refine_hard(assignment, 0.0, options_.objective_tolerance);
    // Hard clusterings along decreasing beta (deterministic IB): unbalanced partitions that the
    // soft path passes by are frontier points too.
    std::vector<int32_t> hard = assignment;
    for (auto beta = betas.rbegin(); beta != betas.rend() && *beta > 1; ++beta) add_hard(hard, *beta);
    report(restart, "hard end and hard path");
    engine_.soften(assignment, encoder);
    anneal_backward(encoder, betas);
    report(restart, "reverse annealing");
  }

  std::vector<IbPoint>& candidates() { return candidates_; }
  const IbCurve& counts() const { return curve_; }  // betas, iterations and sweeps of this restart
  int64_t threads_used() const { return engine_.threads_used(); }

 private:
  uint64_t stream() { return (restart_ << 32) + next_stream_++; }

  // "restart 2/3, reverse annealing: 31 s (40 betas, 2,113 iterations, 0 sIB sweeps)", each phase
  // counted since the previous line.
  void report(int64_t restart, const char* phase) {
    const auto now = std::chrono::steady_clock::now();
    if (progress_) {
      const double seconds = std::chrono::duration<double>(now - reported_at_).count();
      char line[256];
      std::snprintf(line, sizeof line, "restart %lld/%lld, %s: %.1f s (%lld betas, %lld iterations, %lld sIB sweeps)",
                    static_cast<long long>(restart + 1), static_cast<long long>(options_.restarts), phase, seconds,
                    static_cast<long long>(curve_.n_betas_solved - reported_.n_betas_solved),
                    static_cast<long long>(curve_.n_iterations - reported_.n_iterations),
                    static_cast<long long>(curve_.n_sweeps - reported_.n_sweeps));
      progress_(line);
    }
    reported_at_ = now;
    reported_ = curve_;
  }

  IbPoint solve(double beta, std::vector<double>& encoder, double perturbation) {
    engine_.perturb(encoder, perturbation, options_.seed, stream());
    const IbEngine::Solved solved =
        engine_.solve(beta, encoder, options_.max_iterations, options_.tolerance, options_.objective_tolerance);
    curve_.n_iterations += solved.iterations;
    ++curve_.n_betas_solved;
    candidates_.push_back(solved.point);
    return solved.point;
  }

  // An intermediate hard candidate: refined to hard_candidate_tolerance only (IbOptions).
  IbPoint add_hard(std::vector<int32_t>& assignment, double beta) {
    curve_.n_sweeps += engine_.refine_hard(assignment, 1.0 / beta, options_.hard_candidate_tolerance);
    IbPoint point = engine_.evaluate_hard(assignment);
    point.beta = beta;
    candidates_.push_back(point);
    return point;
  }

  // From the trivial solution up in beta; clusters split as beta passes their critical values,
  // until the encoder is hard and the solution stops moving. A step whose solution moves far is
  // retried from the same start with half the step (its solution stays a candidate); a step that
  // barely moves makes the next one twice as long. Returns the betas reached, increasing.
  std::vector<double> anneal_forward(std::vector<double>& encoder) {
    std::vector<double> reached;
    double beta = options_.beta_min, log_step = log_step_;
    IbPoint previous = solve(beta, encoder, options_.perturbation);
    reached.push_back(beta);
    std::vector<double> start;
    int64_t still_steps = 0;
    while (beta < options_.beta_max) {
      const double next = std::min(beta * std::exp(log_step), options_.beta_max);
      start = encoder;
      const IbPoint point = solve(next, encoder, options_.perturbation);
      const double moved = point_distance(previous, point, log_clusters_, engine_.mutual_information());
      if (moved > options_.max_point_step && log_step > min_log_step_ * 1.0001) {
        encoder.swap(start);
        log_step = std::max(log_step / 2, min_log_step_);
        continue;
      }
      beta = next;
      reached.push_back(beta);
      if (beta > 1 && !engine_.is_hard(encoder)) {
        // The nearest hard clustering, improved at this beta: first-order transitions of the
        // soft path jump over partitions (unbalanced ones especially) that this finds.
        std::vector<int32_t> nearest = engine_.hard_assignment(encoder);
        add_hard(nearest, beta);
      }
      // Once the encoder is hard and the point no longer moves, larger beta changes nothing.
      const bool still =
          point.i_xt > 0 && std::abs(point.i_xt - previous.i_xt) < 1e-7 && std::abs(point.i_ty - previous.i_ty) < 1e-7;
      still_steps = still && beta > 1 ? still_steps + 1 : 0;
      previous = point;
      if (still_steps >= 3) break;
      if (moved < options_.max_point_step / 10) log_step = std::min(log_step * 2, max_log_step_);
    }
    return reached;
  }

  // From the softened hard end down the betas the forward pass reached, refining where
  // consecutive solutions differ as the forward pass does; stops once T is independent of X.
  void anneal_backward(std::vector<double>& encoder, const std::vector<double>& betas) {
    std::vector<double> start;
    double upper = betas.back();
    IbPoint previous = solve(upper, encoder, options_.perturbation * 0.1);
    for (auto reached = betas.rbegin() + 1; reached != betas.rend() && previous.i_xt >= 1e-10; ++reached) {
      double target = *reached;
      while (upper > *reached && previous.i_xt >= 1e-10) {
        start = encoder;
        const IbPoint point = solve(target, encoder, options_.perturbation * 0.1);
        const double moved = point_distance(previous, point, log_clusters_, engine_.mutual_information());
        if (moved > options_.max_point_step && std::log(upper / target) > min_log_step_ * 1.0001 && point.i_xt >= 1e-10) {
          encoder.swap(start);  // halve the step in log beta, from the same start
          target = std::sqrt(upper * target);
          continue;
        }
        previous = point;
        upper = target;
        target = *reached;
      }
    }
  }

  const IbOptions& options_;
  Progress progress_;
  IbEngine engine_;
  IbCurve curve_;  // only the counts
  double log_clusters_, log_step_, min_log_step_, max_log_step_;
  std::vector<IbPoint> candidates_;
  uint64_t restart_ = 0, next_stream_ = 0;
  std::chrono::steady_clock::time_point reported_at_ = std::chrono::steady_clock::now();
  IbCurve reported_;  // the counts at the last report
};

}  // namespace

IbSchedule ib_schedule_from_name(const std::string& name) {
  if (name == "adaptive") return IbSchedule::adaptive;
  if (name == "reference") return IbSchedule::reference;
  throw std::invalid_argument("unknown IB schedule '" + name + "' (expected adaptive or reference)");
}

std::string ib_schedule_name(IbSchedule schedule) { return schedule == IbSchedule::adaptive ? "adaptive" : "reference"; }

IbCurve information_bottleneck_curve_adaptive(const JointDistribution& joint, const IbOptions& options) {
  IbCurve curve;
  curve.h_x = joint.entropy_x();
  curve.h_y = joint.entropy_y();
  curve.i_xy = joint.mutual_information();
  const JointDistribution merged = joint.merged_identical_rows();
  curve.n_contexts_solved = merged.n_x();
  std::mutex progress_mutex;  // restarts side by side report from their threads
  AdaptiveSchedule::Progress progress;
  if (options.progress)
    progress = [&](const std::string& line) {
      const std::lock_guard lock(progress_mutex);
      options.progress(line);
    };
  // What a finished restart leaves: its engine is freed before the next restarts run.
  struct RestartResult {
    std::vector<IbPoint> candidates;
    IbCurve counts;
    int64_t threads_used = 1;
  };
  std::vector<RestartResult> restarts(static_cast<std::size_t>(options.restarts));
  auto run = [&](int64_t restart) {
    AdaptiveSchedule schedule(merged, options, progress);
    schedule.run_restart(restart);
    restarts[static_cast<std::size_t>(restart)] = {std::move(schedule.candidates()), schedule.counts(), schedule.threads_used()};
  };
  // Restarts are independent. Side by side, one per thread, they scale with the threads; within
  // one restart they do not as well (sequential IB applies its moves in order). The nested
  // at::parallel_for calls of a restart run serially on its thread. A last restart alone gets
  // all the threads. Memory: one engine and its encoders per restart running.
  const int64_t threads = std::max(1, at::get_num_threads());
  for (int64_t next = 0; next < options.restarts;) {
    const int64_t side_by_side = std::min(threads, options.restarts - next);
    if (side_by_side > 1) {
      at::parallel_for(next, next + side_by_side, 1, [&](int64_t begin, int64_t end) {
        for (int64_t restart = begin; restart < end; ++restart) run(restart);
      });
      curve.threads_used = std::max(curve.threads_used, side_by_side);
    } else {
      run(next);
    }
    next += side_by_side;
  }
  std::vector<IbPoint> candidates;
  for (const RestartResult& restart : restarts) {  // in restart order, whichever finished first
    candidates.insert(candidates.end(), restart.candidates.begin(), restart.candidates.end());
    curve.n_betas_solved += restart.counts.n_betas_solved;
    curve.n_iterations += restart.counts.n_iterations;
    curve.n_sweeps += restart.counts.n_sweeps;
    curve.threads_used = std::max(curve.threads_used, restart.threads_used);
  }
  curve.n_candidates = static_cast<int64_t>(candidates.size());
  curve.points = upper_frontier(std::move(candidates), &curve.n_pruned);
  return curve;
}

IbCurve information_bottleneck_curve(const JointDistribution& joint, const IbOptions& options) {
  if (options.n_clusters < 2) throw std::invalid_argument("information bottleneck: need at least 2 clusters");
  if (!(options.beta_min > 0) || !(options.beta_max > options.beta_min) || options.n_betas < 2)
    throw std::invalid_argument("information bottleneck: need 0 < beta_min < beta_max and n_betas >= 2");
  if (options.restarts < 1) throw std::invalid_argument("information bottleneck: need at least one restart");
  if (!(options.objective_tolerance >= 0) || !(options.hard_candidate_tolerance >= 0) || !(options.max_point_step > 0))
    throw std::invalid_argument(
        "information bottleneck: need objective_tolerance >= 0, hard_candidate_tolerance >= 0 and max_point_step > 0");
  return options.schedule == IbSchedule::adaptive ? information_bottleneck_curve_adaptive(joint, options)
                                                  : information_bottleneck_curve_reference(joint, options);
}

}  // namespace infobound::bound
