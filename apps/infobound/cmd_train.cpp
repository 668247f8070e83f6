// `infobound train --config FILE`: train the families x sizes of a training config into Hugging
// Face checkpoints at log-spaced steps (docs/train.md); models already trained are skipped.
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "command.hpp"
#include "infobound/core/blas.hpp"
#include "infobound/core/error.hpp"
#include "infobound/train/config.hpp"
#include "infobound/train/run.hpp"
#include "options.hpp"

namespace infobound::cli {
namespace {

namespace po = boost::program_options;

int run_train(int argc, char** argv) {
  std::string config_path;
  train::TrainRunOptions options;
  po::options_description described("infobound train: train small causal LMs into checkpoint timecourses");
  described.add_options()("help,h", "show this help")("config", po::value(&config_path)->required(),
                                                      "training config (YAML), e.g. configs/train-mini.yaml")(
      "force", po::bool_switch(&options.force), "retrain even when matching checkpoints exist")(
      "only", po::value(&options.only)->multitoken(), "train only these models (<family>-<size>); no manifest is written");
  po::variables_map values;
  if (!parse_options(argc, argv, described, values)) return 0;

  warn_if_slow_blas();
  const auto config = train::TrainConfig::load(config_path);
  const auto summary = train::train_all(config, options);

  std::printf("tokenizer: %s (%lld tokens%s)\n", summary.tokenizer_file.c_str(), static_cast<long long>(summary.vocab_size),
              summary.tokenizer_cached ? ", cached" : "");
  std::printf("%-20s %10s %7s %12s %10s %12s %12s\n", "model", "params", "ckpts", "tokens_seen", "tokens/s", "train_loss",
              "heldout_loss");
  for (const auto& model : summary.models) {
    const auto& last = model.checkpoints.back();
    const std::string speed = model.cached ? "cached" : std::to_string(static_cast<long long>(model.tokens_per_second));
    std::printf("%-20s %10lld %7zu %12lld %10s %12.4f %12.4f\n", model.spec.name.c_str(),
                static_cast<long long>(model.n_parameters), model.checkpoints.size(), static_cast<long long>(last.tokens_seen),
                speed.c_str(), last.train_loss, last.heldout_loss);
  }
  if (!summary.manifest.empty()) std::printf("manifest: %s\n", summary.manifest.c_str());
  return 0;
}

const Register registered{{"train", "train small causal LMs into checkpoint timecourses (configs/train-mini.yaml)", run_train}};

}  // namespace
}  // namespace infobound::cli
