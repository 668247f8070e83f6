// The estimate and calibrate commands, run as real processes.
#include <gtest/gtest.h>

#include <cstdio>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>

#include "fixtures.hpp"
#include "infobound/io/hdf5.hpp"
#include "infobound/testing/cli.hpp"
#include "infobound/testing/scratch_dir.hpp"

namespace {

struct Result {
  int exit_code;
  std::string out;  // stdout and stderr together
};

Result run(const std::string& arguments) {
  const auto result = infobound::testing::run_cli(arguments);
  return {result.exit_code, result.both()};
}

std::string case_path(int index) {
  char name[32];
  std::snprintf(name, sizeof name, "case_%02d.h5", index);
  return fixture_path(std::string("soft_entropy/cases/") + name).string();
}

// Writes a small case file with the given datasets (float z of `z_dims`, one integer label array).
// `z_at_5` overwrites the sixth value of z (row 1, column 1 when d = 4); `w_value`, when set, adds
// a reference-point dataset w [10, d] filled with it.
std::string write_case(const std::string& name, std::vector<int64_t> z_dims, int64_t label_rows, bool with_z = true,
                       std::optional<float> z_at_5 = std::nullopt, std::optional<float> w_value = std::nullopt) {
  const std::string path = (infobound::testing::scratch_dir("estimate_cli") / name).string();
  infobound::io::h5::File file = infobound::io::h5::File::create(path);
  if (with_z) {
    int64_t count = 1;
    for (auto d : z_dims) count *= d;
    std::vector<float> z(static_cast<std::size_t>(count), 0.5f);
    for (size_t i = 0; i < z.size(); ++i) z[i] = static_cast<float>((i * 7919) % 13) - 6.0f;
    if (z_at_5 && z.size() > 5) z[5] = *z_at_5;
    file.root().write("z", std::span<const float>(z), z_dims);
  }
  if (w_value) {
    std::vector<float> w(static_cast<std::size_t>(10 * z_dims.back()), 0.25f);
    w[3] = *w_value;
    file.root().write("w", std::span<const float>(w), {10, z_dims.back()});
  }
  std::vector<int64_t> labels(static_cast<std::size_t>(label_rows));
  for (size_t i = 0; i < labels.size(); ++i) labels[i] = static_cast<int64_t>(i % 3);
  file.root().create_group("labels").write("mod3", std::span<const int64_t>(labels), {label_rows});
  file.close();
  return path;
}

}  // namespace

TEST(EstimateCli, EveryCaseMatchesTheGoldensWithTheFilesReferencePoints) {
  SKIP_WITHOUT_FIXTURES();
  for (int index = 1; index <= 13; ++index) {
    SCOPED_TRACE(index);
    const Result result = run("estimate --input " + case_path(index) + " --use-reference-points");
    ASSERT_EQ(result.exit_code, 0) << result.out;
    const auto json = nlohmann::json::parse(result.out);
    FixtureFile file(case_path(index));
    EXPECT_NEAR(json["eps"].get<double>(), file.attr_double("eps"), 1e-9 * file.attr_double("eps"));
    EXPECT_NEAR(json["H"].get<double>(), file.scalar("H"), 1e-6);
    for (const auto& [name, value] : json["MI"].items()) {
      EXPECT_NEAR(value.get<double>(), file.scalar("MI/" + name), 1e-6) << name;
      if (index != 13) {  // braces: EXPECT_NEAR is an if/else (-Wdangling-else under -Werror)
        EXPECT_NEAR(json["regularity"][name].get<double>(), file.scalar("regularity/" + name), index == 6 ? 5e-6 : 1e-6) << name;
      }
    }
  }
}

TEST(EstimateCli, OwnReferencePointsMatchTheTorchBackend) {
  SKIP_WITHOUT_FIXTURES();
  for (int index : {3, 5, 8}) {
    const Result result = run("estimate --input " + case_path(index));
    ASSERT_EQ(result.exit_code, 0) << result.out;
    const auto json = nlohmann::json::parse(result.out);
    FixtureFile file(case_path(index));
    EXPECT_NEAR(json["H"].get<double>(), file.scalar("torch_cpu/H"), 1e-6);
    for (const auto& [name, value] : json["MI"].items())
      EXPECT_NEAR(value.get<double>(), file.scalar("torch_cpu/MI/" + name), 1e-6) << name;
  }
}

TEST(EstimateCli, OverridesBinsSeedAndCalibration) {
  SKIP_WITHOUT_FIXTURES();
  const Result result = run("estimate --input " + case_path(3) + " --n-bins 50 --seed 7 --calibration fixed:0.1");
  ASSERT_EQ(result.exit_code, 0) << result.out;
  const auto json = nlohmann::json::parse(result.out);
  EXPECT_EQ(json["n_bins"].get<int>(), 50);
  EXPECT_EQ(json["eps"].get<double>(), 0.1);
}

TEST(CalibrateCli, PrintsReferenceEps) {
  const Result bounds = run("calibrate --n-bins 100 --d 768");
  ASSERT_EQ(bounds.exit_code, 0) << bounds.out;
  EXPECT_NEAR(std::stod(bounds.out), 0.011767821911310372, 1e-17 + 1e-9 * 0.0117678);
  const Result exact = run("calibrate --n-bins 10 --d 16 --mode exact");
  ASSERT_EQ(exact.exit_code, 0) << exact.out;
  EXPECT_GT(std::stod(exact.out), 0.0);
  const Result refused = run("calibrate --n-bins 1000 --d 3");
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.out.find("find_eps"), std::string::npos) << refused.out;
}

TEST(EstimateCli, BadFilesGetOneLineErrorsNamingFileAndDataset) {
  struct Bad {
    std::string file, expected;
  };
  const std::vector<Bad> cases{
      {write_case("ib_no_z.h5", {10, 4}, 10, false), "missing dataset 'z'"},
      {write_case("ib_rank3.h5", {2, 5, 4}, 2), "'z' must be a 2-D float array"},
      {write_case("ib_short_labels.h5", {10, 4}, 9), "'labels/mod3' has 9 rows but 'z' has 10"},
  };
  for (const auto& bad : cases) {
    const Result result = run("estimate --input " + bad.file);
    EXPECT_EQ(result.exit_code, 2) << result.out;
    EXPECT_NE(result.out.find(bad.file), std::string::npos) << result.out;
    EXPECT_NE(result.out.find(bad.expected), std::string::npos) << result.out;
    EXPECT_EQ(std::count(result.out.begin(), result.out.end(), '\n'), 1) << result.out;
  }
  const Result missing = run("estimate --input /nonexistent/case.h5");
  EXPECT_EQ(missing.exit_code, 2);
  const Result good = run("estimate --input " + write_case("ib_good.h5", {30, 4}, 30) + " --n-bins 10");
  EXPECT_EQ(good.exit_code, 0) << good.out;
}

// A NaN total used to be read as zero mass: H = 0, MI = 0 or a negative MI, exit 0.
TEST(EstimateCli, NonFiniteOrEmptyInputsAreErrorsNamingFileAndDataset) {
  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  struct Bad {
    std::string file, arguments, expected;
  };
  const std::vector<Bad> cases{
      {write_case("ib_nan_z.h5", {30, 4}, 30, true, nan), "",
       "dataset 'z' holds a NaN or infinite value (first at row 1, column 1)"},
      {write_case("ib_inf_z.h5", {30, 4}, 30, true, -inf), "", "dataset 'z' holds a NaN or infinite value"},
      {write_case("ib_empty_z.h5", {0, 4}, 0), "", "dataset 'z' is empty (0 x 4)"},
      {write_case("ib_inf_w.h5", {30, 4}, 30, true, std::nullopt, inf), " --use-reference-points",
       "dataset 'w' holds a NaN or infinite value (first at row 0, column 3)"},
  };
  for (const auto& bad : cases) {
    const Result result = run("estimate --input " + bad.file + bad.arguments);
    EXPECT_EQ(result.exit_code, 2) << result.out;
    EXPECT_NE(result.out.find(bad.file + ": " + bad.expected), std::string::npos) << result.out;
    EXPECT_EQ(std::count(result.out.begin(), result.out.end(), '\n'), 1) << result.out;
  }
  const Result huge = run("estimate --input " + write_case("ib_bins.h5", {30, 4}, 30) + " --n-bins 1000000000000");
  EXPECT_EQ(huge.exit_code, 2) << huge.out;
  EXPECT_NE(huge.out.find("--n-bins must be in 2..65536 (got 1000000000000)"), std::string::npos) << huge.out;
  const Result calibration = run("estimate --input " + write_case("ib_cal.h5", {30, 4}, 30) + " --calibration exakt");
  EXPECT_EQ(calibration.exit_code, 2) << calibration.out;
  EXPECT_NE(calibration.out.find("--calibration: calibration 'exakt' is not one of"), std::string::npos) << calibration.out;
}
