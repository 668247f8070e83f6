#include "infobound/pipeline/run_dir.hpp"

#include <fstream>
#include <sstream>

#include "infobound/core/error.hpp"

namespace infobound::pipeline {

PlannedRun load_planned_run(const RunDir& run) {
  PlannedRun planned;
  std::error_code error;
  if (!std::filesystem::is_regular_file(run.plan(), error))
    throw InputError(run.root.string() + ": not a planned run directory (no plan.json; run `infobound plan --config FILE --out " +
                     run.root.string() + "`)");
  planned.plan = read_plan(run.plan());
  std::ifstream in(run.config(), std::ios::binary);
  if (!in) throw InputError(run.config().string() + ": missing (the run directory is incomplete; plan it again)");
  std::ostringstream text;
  text << in.rdbuf();
  planned.config = parse_study_config(text.str(), planned.plan.config_file);
  const std::string hash = config_hash(planned.config);
  if (hash != planned.plan.config_hash)
    throw InputError(run.plan().string() + ": planned with config hash " + planned.plan.config_hash + " but " +
                     run.config().string() + " now gives " + hash + " (a corpus file changed?); plan into a new run directory");
  return planned;
}

}  // namespace infobound::pipeline
