// `infobound estimate`: the soft-entropy estimator on one HDF5 case file (z, labels/<name>, optional w).
#include <cmath>
#include <cstdio>
#include <iostream>

#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>

#include "command.hpp"
#include "infobound/core/blas.hpp"
#include "infobound/core/config.hpp"
#include "infobound/core/error.hpp"
#include "infobound/core/error_context.hpp"
#include "infobound/estimate/accumulator.hpp"
#include "infobound/estimate/calibration.hpp"
#include "infobound/estimate/soft_assign.hpp"
#include "infobound/io/hdf5.hpp"
#include "infobound/io/hdf5_tensor.hpp"
#include "options.hpp"

namespace po = boost::program_options;
namespace est = infobound::estimate;

namespace infobound::cli {
namespace {

struct CaseInput {
  at::Tensor z;
  std::vector<est::LabelSetSpec> specs;
  std::vector<at::Tensor> labels;
};

// A NaN or infinite value would be read as zero mass by the estimator: refuse it where it enters.
void require_finite(const at::Tensor& values, const std::string& where, const std::string& dataset) {
  const at::Tensor finite = at::isfinite(values);
  if (finite.all().item<bool>()) return;
  const int64_t first = at::logical_not(finite).flatten().nonzero()[0][0].item<int64_t>();
  const int64_t columns = values.dim() == 2 ? values.size(1) : 1;
  throw InputError(where + ": dataset '" + dataset + "' holds a NaN or infinite value (first at row " +
                   std::to_string(first / columns) + ", column " + std::to_string(first % columns) + ")");
}

bool is_float(const io::h5::Group& file, const std::string& name) {
  return file.dataset_info(name).element == io::h5::ElementClass::floating;
}

CaseInput read_case(const io::h5::Group& file) {
  const std::string& where = file.file();
  CaseInput input;
  if (!file.has("z")) throw InputError(where + ": missing dataset 'z' (the [N, d] hidden states)");
  const auto z_shape = file.dataset_shape("z");
  if (z_shape.size() != 2 || !is_float(file, "z")) throw InputError(where + ": dataset 'z' must be a 2-D float array [N, d]");
  if (z_shape[0] == 0 || z_shape[1] == 0)
    throw InputError(where + ": dataset 'z' is empty (" + std::to_string(z_shape[0]) + " x " + std::to_string(z_shape[1]) +
                     "); the estimator needs at least one row of hidden states");
  input.z = io::h5::read_tensor(file, "z");
  require_finite(input.z, where, "z");
  if (!file.has("labels")) throw InputError(where + ": missing group 'labels' (one integer array per label set)");
  for (const auto& name : file.open_group("labels").children()) {
    const std::string dataset = "labels/" + name;
    const auto shape = file.dataset_shape(dataset);
    if (is_float(file, dataset) || shape.empty() || shape.size() > 2)
      throw InputError(where + ": dataset '" + dataset + "' must be an integer array [N] or [N, k]");
    if (shape[0] != z_shape[0])
      throw InputError(where + ": dataset '" + dataset + "' has " + std::to_string(shape[0]) + " rows but 'z' has " +
                       std::to_string(z_shape[0]));
    input.specs.push_back({name, shape.size() == 2 ? shape[1] : 1});
    input.labels.push_back(io::h5::read_tensor(file, dataset));
  }
  return input;
}

at::Tensor read_reference_points(const io::h5::Group& file, int64_t n_bins, int64_t d) {
  const std::string& where = file.file();
  if (!file.has("w")) throw InputError(where + ": --use-reference-points needs a dataset 'w' [n_bins, d]");
  const auto shape = file.dataset_shape("w");
  if (shape.size() != 2 || shape[1] != d || !is_float(file, "w"))
    throw InputError(where + ": dataset 'w' must be a float array [n_bins, " + std::to_string(d) + "]");
  if (n_bins > 0 && shape[0] != n_bins)
    throw InputError(where + ": dataset 'w' has " + std::to_string(shape[0]) + " rows but --n-bins is " + std::to_string(n_bins));
  const at::Tensor w = io::h5::read_tensor(file, "w");
  require_finite(w, where, "w");
  return w.to(at::kFloat);
}

nlohmann::json number_or_null(double value) { return std::isfinite(value) ? nlohmann::json(value) : nlohmann::json(); }

int run_estimate(int argc, char** argv) {
  po::options_description options("infobound estimate --input CASE.h5 [options]");
  options.add_options()("help,h", "show this help")("input", po::value<std::string>()->required(),
                                                    "HDF5 file with z [N, d], labels/<name> [N] or [N, k], optional w")(
      "use-reference-points", "use the file's w instead of drawing reference points from the seed")(
      "n-bins", po::value<int64_t>(), "number of reference points (default: the file's n_bins attribute, or 100)")(
      "seed", po::value<uint64_t>(), "seed of the reference points (default: the file's seed attribute, or 0)")(
      "calibration", po::value<std::string>(),
      "find_eps | exact | leading_order | legacy_grid | fixed:EPS (default: the file's, or find_eps)")(
      "precision", po::value<std::string>()->default_value("float32"),
      "soft-assignment arithmetic: float32 (as soft_h) or float64")("batch-size", po::value<int64_t>()->default_value(4096),
                                                                    "rows per accumulation step");
  po::variables_map vm;
  if (!parse_options(
          argc, argv, options, vm, {},
          "Prints one JSON object: {\"eps\", \"n_bins\", \"H\", \"MI\": {set: value}, \"regularity\": {set: value}}\n"))
    return 0;
  warn_if_slow_blas();

  const io::h5::File case_file = io::h5::File::open_read_only(vm["input"].as<std::string>());
  const io::h5::Group& file = case_file.root();
  const CaseInput input = read_case(file);
  const int64_t d = input.z.size(1);
  int64_t n_bins = vm.count("n-bins")             ? vm["n-bins"].as<int64_t>()
                   : file.has_attribute("n_bins") ? file.int_attribute("n_bins")
                                                  : 100;
  if (n_bins < 2 || n_bins > kMaxBins)
    throw InputError((vm.count("n-bins") ? std::string("--n-bins") : file.file() + ": attribute 'n_bins'") + " must be in 2.." +
                     std::to_string(kMaxBins) + " (got " + std::to_string(n_bins) + "); " + kMaxBinsReason);
  const bool use_file_points = vm.count("use-reference-points") > 0;
  at::Tensor points;
  if (use_file_points) {
    points = read_reference_points(file, vm.count("n-bins") ? n_bins : 0, d);
    n_bins = points.size(0);
  } else {
    const uint64_t seed = vm.count("seed")             ? vm["seed"].as<uint64_t>()
                          : file.has_attribute("seed") ? static_cast<uint64_t>(file.int_attribute("seed"))
                                                       : 0;
    points = est::reference_points(n_bins, d, seed);
  }
  const std::string calibration_text = vm.count("calibration")             ? vm["calibration"].as<std::string>()
                                       : file.has_attribute("calibration") ? file.string_attribute("calibration")
                                                                           : "find_eps";
  const est::Calibration calibration =
      with_context(vm.count("calibration") ? "--calibration" : file.file() + ": attribute 'calibration'",
                   [&] { return est::Calibration::parse(calibration_text); });
  const double eps = with_context(file.file(), [&] { return est::calibrate_eps(n_bins, d, calibration); });
  const std::string precision = vm["precision"].as<std::string>();
  if (precision != "float32" && precision != "float64") throw UsageError("--precision must be float32 or float64");

  const est::SoftAssigner assigner(points, eps, precision == "float64" ? at::kDouble : at::kFloat);
  est::Accumulator accumulator(n_bins, input.specs, std::max<int64_t>(1, input.z.size(0)));
  const int64_t batch = std::max<int64_t>(1, vm["batch-size"].as<int64_t>());
  for (int64_t start = 0; start < input.z.size(0); start += batch) {
    const int64_t length = std::min(batch, input.z.size(0) - start);
    std::vector<at::Tensor> labels;
    for (const auto& l : input.labels) labels.push_back(l.narrow(0, start, length));
    accumulator.add(assigner.assign(input.z.narrow(0, start, length)), labels);
  }
  const est::Metrics metrics = accumulator.metrics();
  nlohmann::json out{{"eps", eps},
                     {"n_bins", n_bins},
                     {"H", metrics.H},
                     {"MI", nlohmann::json::object()},
                     {"regularity", nlohmann::json::object()}};
  for (const auto& [name, value] : metrics.mi) out["MI"][name] = number_or_null(value);
  for (const auto& [name, value] : metrics.regularity) out["regularity"][name] = number_or_null(value);
  std::cout << out.dump() << "\n";
  return 0;
}

int run_calibrate(int argc, char** argv) {
  po::options_description options("infobound calibrate --n-bins N --d D [--mode M]");
  options.add_options()("help,h", "show this help")("n-bins", po::value<int64_t>()->required(), "number of reference points")(
      "d", po::value<int64_t>()->required(), "dimension of the hidden states")(
      "mode", po::value<std::string>()->default_value("find_eps"), "find_eps | exact | leading_order | legacy_grid | fixed:EPS");
  po::variables_map vm;
  if (!parse_options(argc, argv, options, vm, {}, "Prints eps at full double precision.\n")) return 0;
  const double eps = est::calibrate_eps(vm["n-bins"].as<int64_t>(), vm["d"].as<int64_t>(),
                                        est::Calibration::parse(vm["mode"].as<std::string>()));
  std::printf("%.17g\n", eps);
  return 0;
}

const Register estimate_command{{"estimate", "soft entropy and mutual information of one HDF5 case file", run_estimate}};
const Register calibrate_command{{"calibrate", "temperature eps for n_bins reference points in d dimensions", run_calibrate}};

}  // namespace
}  // namespace infobound::cli
