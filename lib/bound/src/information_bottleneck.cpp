// The adaptive IB schedule (IbSchedule::adaptive) and the entry point of both schedules.
#include "infobound/bound/information_bottleneck.hpp"

#include <ATen/Parallel.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <mutex>
#include <optional>
#include <stdexcept>

#include "ib_engine.hpp"
#include "ib_threads.hpp"
#include "ib_schedules.hpp"

namespace infobound::bound {
namespace {

// How far apart two solutions are, in units of the curve's axes: I(X;T) / ln|T| and I(T;Y) / I(X;Y).
double point_distance(const IbPoint& a, const IbPoint& b, double log_clusters, double i_xy) {
  const double dx = std::abs(a.i_xt - b.i_xt) / log_clusters;
  const double dy = i_xy > 0 ? std::abs(a.i_ty - b.i_ty) / i_xy : 0.0;
  return std::max(dx, dy);
}

// Where a restart's forward pass ended: the betas it reached, its hard end and that end's point.
struct ForwardEnd {
  std::vector<double> betas;
  std::vector<int32_t> hard_end;
  IbPoint hard_end_point;
};

// One phase of one restart of the adaptive schedule: its own engine and random streams, so phases
// can run side by side and each gives the same candidates whichever thread runs it.
class AdaptiveSchedule {
 public:
  using Progress = std::function<void(const std::string&)>;
  // `first_stream` separates the random streams of a restart's phases: the reverse pass from a
  // restart's hard end draws other numbers than its forward pass did.
  AdaptiveSchedule(const JointDistribution& joint, const IbOptions& options, Progress progress, int64_t restart,
                   uint64_t first_stream, IbThreads& threads)
      : options_(options),
        progress_(std::move(progress)),
        engine_(joint, options.n_clusters, threads),
        log_clusters_(std::log(static_cast<double>(options.n_clusters))),
        restart_(static_cast<uint64_t>(restart)),
        next_stream_(first_stream) {
    const double grid_ratio = std::pow(options.beta_max / options.beta_min, 1.0 / static_cast<double>(options.n_betas - 1));
    log_step_ = std::log(grid_ratio);
    min_log_step_ = log_step_ / 4;
    max_log_step_ = log_step_ * 4;
  }

  // Forward annealing from a random start, then the hard end: the clustering improved by
  // sequential reassignment (maximises I(T;Y)), and hard clusterings along decreasing beta from it.
  ForwardEnd run_forward() {
    std::vector<double> encoder = engine_.random_encoder(options_.seed, stream());
    ForwardEnd end;
    end.betas = anneal_forward(encoder);
    report("forward annealing");
    end.hard_end = engine_.hard_assignment(encoder);
    encoder = {};
    curve_.n_sweeps += engine_.refine_hard(end.hard_end, 0.0, options_.objective_tolerance);
    end.hard_end_point = engine_.evaluate_hard(end.hard_end);
    end.hard_end_point.beta = end.betas.back();
    candidates_.push_back(end.hard_end_point);
    // Hard clusterings along decreasing beta (deterministic IB): unbalanced partitions that the
    // soft path passes by are frontier points too.
    std::vector<int32_t> hard = end.hard_end;
    for (auto beta = end.betas.rbegin(); beta != end.betas.rend() && *beta > 1; ++beta) add_hard(hard, *beta);
    report("hard end and hard path");
    return end;
  }

  // Soft reverse annealing from a hard end down the betas its forward pass reached, which reaches
  // frontier points forward annealing skipped.
  void run_reverse(const ForwardEnd& from) {
    std::vector<double> encoder;
    engine_.soften(from.hard_end, encoder);
    anneal_backward(encoder, from.betas);
    report("reverse annealing from this restart's hard end, the best of all restarts");
  }

  std::vector<IbPoint>& candidates() { return candidates_; }
  const IbCurve& counts() const { return curve_; }  // betas, iterations and sweeps of this restart
  int64_t threads_used() const { return engine_.threads_used(); }

 private:
  uint64_t stream() { return (restart_ << 32) + next_stream_++; }

  // "restart 2/3, forward annealing: 31 s (40 betas, 2,113 iterations, 0 sIB sweeps)", each step
  // counted since the previous line.
  void report(const char* phase) {
    const auto now = std::chrono::steady_clock::now();
    if (progress_) {
      const double seconds = std::chrono::duration<double>(now - reported_at_).count();
      char line[256];
      std::snprintf(line, sizeof line, "restart %lld/%lld, %s: %.1f s (%lld betas, %lld iterations, %lld sIB sweeps)",
                    static_cast<long long>(restart_ + 1), static_cast<long long>(options_.restarts), phase, seconds,
                    static_cast<long long>(curve_.n_betas_solved - reported_.n_betas_solved),
                    static_cast<long long>(curve_.n_iterations - reported_.n_iterations),
                    static_cast<long long>(curve_.n_sweeps - reported_.n_sweeps));
      progress_(line);
    }
    reported_at_ = now;
    reported_ = curve_;
  }

  // `far_from`: a step that is retried with a shorter one once its solution moves far from this
  // point. Its iterations stop as soon as their estimated point is twice that far: a step that
  // will be retried need not converge (~a quarter of a forward pass's iterations went into them).
  // Its point, as far as it got, is still a candidate. *abandoned: whether that happened.
  IbPoint solve(double beta, std::vector<double>& encoder, double perturbation, const IbPoint* far_from = nullptr,
                bool* abandoned = nullptr) {
    engine_.perturb(encoder, perturbation, options_.seed, stream());
    IbEngine::Abandon abandon;
    if (far_from)
      abandon = [&](const IbPoint& estimate) {
        return point_distance(*far_from, estimate, log_clusters_, engine_.mutual_information()) > 2 * options_.max_point_step;
      };
    const IbEngine::Solved solved =
        engine_.solve(beta, encoder, options_.max_iterations, options_.tolerance, options_.objective_tolerance, abandon);
    curve_.n_iterations += solved.iterations;
    ++curve_.n_betas_solved;
    candidates_.push_back(solved.point);
    if (abandoned) *abandoned = solved.abandoned;
    return solved.point;
  }

  // An intermediate hard candidate: refined to hard_candidate_tolerance only (IbOptions), in at
  // most max_sweeps.
  IbPoint add_hard(std::vector<int32_t>& assignment, double beta, int64_t max_sweeps = IbEngine::kMaxSweeps) {
    curve_.n_sweeps += engine_.refine_hard(assignment, 1.0 / beta, options_.hard_candidate_tolerance, max_sweeps);
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
      const bool can_retry = log_step > min_log_step_ * 1.0001;
      bool abandoned = false;
      const IbPoint point = solve(next, encoder, options_.perturbation, can_retry ? &previous : nullptr, &abandoned);
      const double moved = point_distance(previous, point, log_clusters_, engine_.mutual_information());
      if ((abandoned || moved > options_.max_point_step) && can_retry) {
        encoder.swap(start);
        log_step = std::max(log_step / 2, min_log_step_);
        continue;
      }
      beta = next;
      reached.push_back(beta);
      if (options_.forward_hard_candidate_sweeps > 0 && beta > 1 && !engine_.is_hard(encoder)) {
        // The nearest hard clustering, improved at this beta: first-order transitions of the
        // soft path jump over partitions (unbalanced ones especially) that this finds.
        std::vector<int32_t> nearest = engine_.hard_assignment(encoder);
        add_hard(nearest, beta, options_.forward_hard_candidate_sweeps);
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
  // consecutive solutions differ as the forward pass does: a step whose solution moves far is
  // retried from the same start with half the step, the step stays that short while solutions
  // keep moving and doubles once they barely move. Every beta the forward pass reached is visited.
  // Stops once T is independent of X.
  void anneal_backward(std::vector<double>& encoder, const std::vector<double>& betas) {
    std::vector<double> start;
    double upper = betas.back(), log_step = max_log_step_;
    IbPoint previous = solve(upper, encoder, options_.perturbation * 0.1);
    for (auto reached = betas.rbegin() + 1; reached != betas.rend() && previous.i_xt >= 1e-10; ++reached) {
      while (upper > *reached && previous.i_xt >= 1e-10) {
        const double target = std::max(*reached, upper * std::exp(-log_step));
        start = encoder;
        const IbPoint point = solve(target, encoder, options_.perturbation * 0.1);
        const double moved = point_distance(previous, point, log_clusters_, engine_.mutual_information());
        const double taken = std::log(upper / target);
        if (moved > options_.max_point_step && taken > min_log_step_ * 1.0001 && point.i_xt >= 1e-10) {
          encoder.swap(start);
          log_step = taken / 2;
          continue;
        }
        previous = point;
        upper = target;
        if (moved < options_.max_point_step / 10) log_step = std::min(std::max(log_step, taken) * 2, max_log_step_);
      }
    }
  }

  const IbOptions& options_;
  Progress progress_;
  IbEngine engine_;
  IbCurve curve_;  // only the counts
  double log_clusters_, log_step_, min_log_step_, max_log_step_;
  std::vector<IbPoint> candidates_;
  uint64_t restart_, next_stream_;
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

namespace {

// What a finished phase leaves; its engine is freed before later phases run.
struct PhaseResult {
  std::vector<IbPoint> candidates;
  IbCurve counts;
  int64_t threads_used = 1;
  ForwardEnd end;  // forward phases only
};

// One curve's share of the work: a forward phase per restart, then one reverse pass from the
// best hard end of them all.
struct CurveWork {
  JointDistribution merged;
  const IbOptions* options = nullptr;
  AdaptiveSchedule::Progress progress;
  std::vector<PhaseResult> forwards;
  PhaseResult reverse;
  int64_t forwards_done = 0;
  int64_t side_by_side = 1;  // the most phases running when one of this curve's started
};

struct Job {
  std::size_t curve;
  int64_t restart;  // forward phase; -1: the reverse pass
};

// The restart whose hard end keeps the most I(T;Y); the first of equals.
int64_t best_hard_end(const std::vector<PhaseResult>& forwards) {
  int64_t best = 0;
  for (int64_t r = 1; r < static_cast<int64_t>(forwards.size()); ++r)
    if (forwards[static_cast<std::size_t>(r)].end.hard_end_point.i_ty >
        forwards[static_cast<std::size_t>(best)].end.hard_end_point.i_ty)
      best = r;
  return best;
}

void run_job(CurveWork& work, const Job& job, IbThreads& threads) {
  const IbOptions& options = *work.options;
  if (job.restart >= 0) {
    AdaptiveSchedule schedule(work.merged, options, work.progress, job.restart, 0, threads);
    ForwardEnd end = schedule.run_forward();
    work.forwards[static_cast<std::size_t>(job.restart)] = {std::move(schedule.candidates()), schedule.counts(),
                                                            schedule.threads_used(), std::move(end)};
    return;
  }
  const int64_t best = best_hard_end(work.forwards);
  AdaptiveSchedule schedule(work.merged, options, work.progress, best, uint64_t{1} << 31, threads);
  schedule.run_reverse(work.forwards[static_cast<std::size_t>(best)].end);
  work.reverse = {std::move(schedule.candidates()), schedule.counts(), schedule.threads_used(), {}};
}

IbCurve finish_curve(const JointDistribution& joint, CurveWork& work) {
  IbCurve curve;
  curve.h_x = joint.entropy_x();
  curve.h_y = joint.entropy_y();
  curve.i_xy = joint.mutual_information();
  curve.n_contexts_solved = work.merged.n_x();
  curve.threads_used = work.side_by_side;
  std::vector<IbPoint> candidates;
  std::vector<const PhaseResult*> phases;
  for (const PhaseResult& forward : work.forwards) phases.push_back(&forward);  // in restart order
  phases.push_back(&work.reverse);
  for (const PhaseResult* phase : phases) {
    candidates.insert(candidates.end(), phase->candidates.begin(), phase->candidates.end());
    curve.n_betas_solved += phase->counts.n_betas_solved;
    curve.n_iterations += phase->counts.n_iterations;
    curve.n_sweeps += phase->counts.n_sweeps;
    curve.threads_used = std::max(curve.threads_used, phase->threads_used);
  }
  curve.n_candidates = static_cast<int64_t>(candidates.size());
  curve.points = upper_frontier(std::move(candidates), &curve.n_pruned);
  return curve;
}

}  // namespace

// The phases of all curves run on the IbThreads: each thread takes the first phase that can run
// (a curve's reverse pass once all its forward phases are done), since one phase does not scale
// well over threads (sequential IB applies its moves in order); a thread with no phase to start
// helps the running phases with their loops. Forward phases of the costliest curves go first.
// Memory: one engine and its encoders per phase running.
std::vector<IbCurve> information_bottleneck_curves_adaptive(const std::vector<const JointDistribution*>& joints,
                                                            const std::vector<IbOptions>& options) {
  std::vector<CurveWork> work(joints.size());
  std::mutex progress_mutex;  // phases side by side report from their threads
  std::vector<std::size_t> by_cost(joints.size());
  for (std::size_t c = 0; c < joints.size(); ++c) {
    work[c].merged = joints[c]->merged_identical_rows();
    work[c].options = &options[c];
    work[c].forwards.resize(static_cast<std::size_t>(options[c].restarts));
    if (options[c].progress)
      work[c].progress = [&progress_mutex, &progress = options[c].progress](const std::string& line) {
        const std::lock_guard lock(progress_mutex);
        progress(line);
      };
    by_cost[c] = c;
  }
  // Each IB iteration costs about n_clusters * (nonzeros + a fixed share per row).
  auto cost = [&](std::size_t c) {
    return static_cast<double>(options[c].n_clusters) *
           static_cast<double>(work[c].merged.y.size() + 8 * static_cast<std::size_t>(work[c].merged.n_x()));
  };
  std::stable_sort(by_cost.begin(), by_cost.end(), [&](std::size_t a, std::size_t b) { return cost(a) > cost(b); });
  std::vector<Job> pending;
  for (const std::size_t c : by_cost)
    for (int64_t r = 0; r < options[c].restarts; ++r) pending.push_back({c, r});
  // A job's id: its curve and restart + 1 (0 for the reverse pass), so no table of jobs is shared.
  int64_t stride = 1;
  for (const IbOptions& o : options) stride = std::max(stride, o.restarts + 1);
  auto job_of = [stride](int64_t id) { return Job{static_cast<std::size_t>(id / stride), id % stride - 1}; };
  IbThreads threads(std::max(1, at::get_num_threads()));
  int64_t running = 0;
  auto next = [&]() -> std::optional<int64_t> {  // under the threads' lock, as is done()
    if (pending.empty()) return std::nullopt;
    const Job job = pending.front();
    pending.erase(pending.begin());
    ++running;
    CurveWork& curve = work[job.curve];
    curve.side_by_side = std::max(curve.side_by_side, running);
    return static_cast<int64_t>(job.curve) * stride + job.restart + 1;
  };
  auto done = [&](int64_t id) {
    const Job job = job_of(id);
    --running;
    if (job.restart >= 0 && ++work[job.curve].forwards_done == options[job.curve].restarts) pending.push_back({job.curve, -1});
  };
  threads.run(
      next, [&](int64_t id) { run_job(work[job_of(id).curve], job_of(id), threads); }, done);
  std::vector<IbCurve> curves;
  for (std::size_t c = 0; c < joints.size(); ++c) curves.push_back(finish_curve(*joints[c], work[c]));
  return curves;
}

namespace {

void validate(const IbOptions& options) {
  if (options.n_clusters < 2) throw std::invalid_argument("information bottleneck: need at least 2 clusters");
  if (!(options.beta_min > 0) || !(options.beta_max > options.beta_min) || options.n_betas < 2)
    throw std::invalid_argument("information bottleneck: need 0 < beta_min < beta_max and n_betas >= 2");
  if (options.restarts < 1) throw std::invalid_argument("information bottleneck: need at least one restart");
  if (options.forward_hard_candidate_sweeps < 0)
    throw std::invalid_argument("information bottleneck: need forward_hard_candidate_sweeps >= 0");
  if (!(options.objective_tolerance >= 0) || !(options.hard_candidate_tolerance >= 0) || !(options.max_point_step > 0))
    throw std::invalid_argument(
        "information bottleneck: need objective_tolerance >= 0, hard_candidate_tolerance >= 0 and max_point_step > 0");
}

}  // namespace

std::vector<IbCurve> information_bottleneck_curves(const std::vector<const JointDistribution*>& joints,
                                                   const std::vector<IbOptions>& options) {
  if (joints.size() != options.size())
    throw std::invalid_argument("information bottleneck: one set of options per joint distribution is needed");
  for (const IbOptions& o : options) validate(o);
  std::vector<IbCurve> curves;
  std::vector<const JointDistribution*> adaptive_joints;
  std::vector<IbOptions> adaptive_options;
  for (std::size_t c = 0; c < joints.size(); ++c)
    if (options[c].schedule == IbSchedule::adaptive) {
      adaptive_joints.push_back(joints[c]);
      adaptive_options.push_back(options[c]);
    }
  std::vector<IbCurve> adaptive = information_bottleneck_curves_adaptive(adaptive_joints, adaptive_options);
  std::size_t next_adaptive = 0;
  for (std::size_t c = 0; c < joints.size(); ++c)
    curves.push_back(options[c].schedule == IbSchedule::adaptive
                         ? std::move(adaptive[next_adaptive++])
                         : information_bottleneck_curve_reference(*joints[c], options[c]));
  return curves;
}

IbCurve information_bottleneck_curve(const JointDistribution& joint, const IbOptions& options) {
  return std::move(information_bottleneck_curves({&joint}, {options}).front());
}

}  // namespace infobound::bound
