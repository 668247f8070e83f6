// `infobound inspect`: what a model directory holds, from config.json and the safetensors
// headers only (no weights are read, so it is instant for large models).
#include <cstdio>

#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>

#include "command.hpp"
#include "infobound/models/causal_lm.hpp"
#include "options.hpp"

namespace infobound::cli {
namespace {

namespace po = boost::program_options;

int run_inspect(int argc, char** argv) {
  std::string model_dir;
  po::options_description options("infobound inspect options");
  options.add_options()("help,h", "show this help")("model", po::value(&model_dir)->required(), "model directory")(
      "json", "print one JSON object instead of text");
  po::variables_map vm;
  if (!parse_options(argc, argv, options, vm, "usage: infobound inspect --model DIR [--json]")) return 0;
  const models::ModelInfo info = models::inspect_model(model_dir);
  if (vm.count("json")) {
    const nlohmann::json out{{"family", info.model_type},       {"dir", info.dir.string()},
                             {"parameters", info.n_parameters}, {"stored_dtype", info.stored_dtype},
                             {"layers", info.n_layers},         {"hidden_size", info.hidden_size},
                             {"vocab_size", info.vocab_size},   {"tied_embeddings", info.tied_embeddings}};
    std::printf("%s\n", out.dump(2).c_str());
    return 0;
  }
  std::printf("model:           %s\n", info.dir.string().c_str());
  std::printf("family:          %s\n", info.model_type.c_str());
  std::printf("parameters:      %lld (%.2fM)\n", static_cast<long long>(info.n_parameters),
              static_cast<double>(info.n_parameters) / 1e6);
  std::printf("stored dtypes:   %s\n", info.stored_dtype.c_str());
  std::printf("layers:          %lld (hidden states 0..%lld)\n", static_cast<long long>(info.n_layers),
              static_cast<long long>(info.n_layers));
  std::printf("hidden size:     %lld\n", static_cast<long long>(info.hidden_size));
  std::printf("vocabulary:      %lld\n", static_cast<long long>(info.vocab_size));
  std::printf("tied embeddings: %s\n", info.tied_embeddings ? "yes" : "no");
  return 0;
}

const Register registered{{"inspect", "describe a model directory (family, parameters, dtypes, sizes)", run_inspect}};

}  // namespace
}  // namespace infobound::cli
