// `infobound status`: where a run stands, from a login node while the array runs and after:
// units per model and checkpoint (done / failed / running / pending), each worker's last
// heartbeat, and the workers and units that went silent (a dead task).
#include <cmath>
#include <cstdio>
#include <iostream>

#include <nlohmann/json.hpp>

#include "command.hpp"
#include "infobound/core/progress.hpp"
#include "infobound/pipeline/run_status.hpp"
#include "pipeline_cli.hpp"

namespace infobound::cli {
namespace {

nlohmann::json status_json(const pipeline::RunStatus& s, const pipeline::RunDir& run) {
  nlohmann::json checkpoints = nlohmann::json::array();
  for (const auto& c : s.checkpoints)
    checkpoints.push_back({{"model", c.model},
                           {"checkpoint", c.checkpoint},
                           {"done", c.done},
                           {"failed", c.failed},
                           {"running", c.running},
                           {"pending", c.pending}});
  nlohmann::json workers = nlohmann::json::array();
  for (const auto& w : s.workers) {
    const auto& h = w.heartbeat;
    workers.push_back({{"worker", h.worker},
                       {"host", h.host},
                       {"pid", h.pid},
                       {"slurm_job", h.slurm_job},
                       {"state", h.state},
                       {"current_unit", h.current_unit},
                       {"units_owned", h.units_owned},
                       {"units_done", h.units_done},
                       {"units_failed", h.units_failed},
                       {"tokens_per_second", h.tokens_per_second},
                       {"eta_seconds", h.eta_seconds},
                       {"heartbeat_time", h.time},
                       {"heartbeat_age_seconds", w.age_seconds},
                       {"stale", w.stale}});
  }
  nlohmann::json failures = nlohmann::json::array();
  for (const auto& f : s.failures)
    failures.push_back({{"unit", f.unit},
                        {"reason", f.reason},
                        {"message", f.message},
                        {"worker", f.worker},
                        {"host", f.host},
                        {"time", f.time}});
  nlohmann::json json = {{"run", run.root.string()},
                         {"units", s.units},
                         {"done", s.done},
                         {"failed", s.failed},
                         {"running", s.running},
                         {"pending", s.pending},
                         {"complete", s.done == s.units},
                         {"checkpoints", checkpoints},
                         {"workers", workers},
                         {"failures", failures},
                         {"stale_units", s.stale_units}};
  if (s.has_task_map) json["tasks_with_work"] = s.tasks_with_work;
  return json;
}

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

void print_status(const pipeline::RunStatus& s, const pipeline::RunDir& run) {
  std::printf("run %s: %lld units: %lld done, %lld failed, %lld running, %lld pending%s\n", run.root.c_str(),
              static_cast<long long>(s.units), static_cast<long long>(s.done), static_cast<long long>(s.failed),
              static_cast<long long>(s.running), static_cast<long long>(s.pending),
              s.done == s.units ? " (complete: run `infobound reduce`)" : "");
  std::printf("\n%-32s %-16s %6s %6s %8s %8s\n", "model", "checkpoint", "done", "failed", "running", "pending");
  for (const auto& c : s.checkpoints)
    std::printf("%-32s %-16s %6lld %6lld %8lld %8lld\n", c.model.c_str(), c.checkpoint.empty() ? "-" : c.checkpoint.c_str(),
                static_cast<long long>(c.done), static_cast<long long>(c.failed), static_cast<long long>(c.running),
                static_cast<long long>(c.pending));
  if (!s.workers.empty()) {
    std::printf("\nworkers (last heartbeat):\n");
    for (const auto& w : s.workers) {
      const auto& h = w.heartbeat;
      const std::string state = w.stale ? "STALE" : h.state;
      const std::string eta =
          h.state == "running" && !w.stale ? Progress::format_duration(h.eta_seconds < 0 ? NAN : h.eta_seconds) : "-";
      const std::string unit = h.current_unit.empty() ? "" : ", unit " + h.current_unit;
      const std::string stale = w.stale
                                    ? " (silent for more than " + std::to_string(static_cast<int>(pipeline::kStaleIntervals)) +
                                          " heartbeat intervals: the worker is probably dead)"
                                    : "";
      std::printf("  %-20s %-12s %-14s %lld/%lld units, %lld failed, %s, ETA %s, heartbeat %s ago%s%s\n", h.worker.c_str(),
                  h.host.c_str(), state.c_str(), static_cast<long long>(h.units_done), static_cast<long long>(h.units_owned),
                  static_cast<long long>(h.units_failed), Progress::format_rate(h.tokens_per_second).c_str(), eta.c_str(),
                  Progress::format_duration(w.age_seconds).c_str(), unit.c_str(), stale.c_str());
    }
  }
  if (!s.stale_units.empty()) {
    std::printf("\nstale units (their worker stopped reporting; a rerun or resubmission computes them):\n");
    for (const auto& unit : s.stale_units) std::printf("  %s\n", unit.c_str());
  }
  if (!s.failures.empty()) {
    std::printf("\nfailed units (full messages in %s):\n", pipeline::failures_dir(run).c_str());
    for (const auto& f : s.failures)
      std::printf("  %s: %s on %s at %s: %s\n", f.unit.c_str(), f.reason.c_str(), f.host.c_str(), f.time.c_str(),
                  first_line(f.message).c_str());
  }
  if (s.has_task_map) {
    std::string tasks;
    for (const int64_t t : s.tasks_with_work) tasks += (tasks.empty() ? "" : ",") + std::to_string(t);
    std::printf("\narray tasks with work left (tasks.json): %s\n", tasks.empty() ? "none" : tasks.c_str());
  }
}

int run_status(int argc, char** argv) {
  namespace po = boost::program_options;
  std::string run_path;
  bool json = false, tasks_with_work = false, help = false;
  po::options_description options("infobound status options");
  options.add_options()("help,h", po::bool_switch(&help), "show this help")(
      "run", po::value(&run_path), "a planned run directory")("json", po::bool_switch(&json), "machine-readable output")(
      "tasks-with-work", po::bool_switch(&tasks_with_work),
      "print only the array task ids (tasks.json) that still have units to do, comma separated");
  po::variables_map vm;
  po::store(po::command_line_parser(argc, argv).options(options).run(), vm);
  po::notify(vm);
  if (help) {
    std::printf("usage: infobound status --run RUN [--json | --tasks-with-work]\n");
    std::cout << options << "\n";
    return 0;
  }
  if (run_path.empty()) throw UsageError("give --run RUN");
  const pipeline::RunDir run{run_path};
  // The plan alone: no corpus re-hashing, so status stays cheap on a login node.
  if (!std::filesystem::exists(run.plan()))
    throw InputError(run.plan().string() + ": not found; is " + run_path + " a planned run directory?");
  const Plan plan = read_plan(run.plan());
  const pipeline::RunStatus status = pipeline::collect_status(plan, run, pipeline::now_epoch_seconds());
  if (tasks_with_work) {
    if (!status.has_task_map)
      throw InputError(pipeline::task_map_path(run).string() + ": not found; the run was not planned for a job array");
    std::string tasks;
    for (const int64_t t : status.tasks_with_work) tasks += (tasks.empty() ? "" : ",") + std::to_string(t);
    std::printf("%s\n", tasks.c_str());
  } else if (json) {
    std::printf("%s\n", status_json(status, run).dump(1).c_str());
  } else {
    print_status(status, run);
  }
  return 0;
}

const Register registered{
    {"status", "where a run stands: units done / failed / running / pending, workers' heartbeats, stale tasks", run_status}};

}  // namespace
}  // namespace infobound::cli
