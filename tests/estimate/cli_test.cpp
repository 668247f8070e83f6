// The estimate and calibrate commands, run as real processes.
#include <gtest/gtest.h>
#include <hdf5.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "fixtures.hpp"
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
std::string write_case(const std::string& name, std::vector<hsize_t> z_dims, hsize_t label_rows, bool with_z = true) {
  const std::string path = (infobound::testing::scratch_dir("estimate_cli") / name).string();
  const hid_t file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  if (with_z) {
    hsize_t count = 1;
    for (auto d : z_dims) count *= d;
    std::vector<float> z(count, 0.5f);
    for (size_t i = 0; i < z.size(); ++i) z[i] = static_cast<float>((i * 7919) % 13) - 6.0f;
    const hid_t space = H5Screate_simple(static_cast<int>(z_dims.size()), z_dims.data(), nullptr);
    const hid_t set = H5Dcreate2(file, "z", H5T_IEEE_F32LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(set, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, z.data());
    H5Dclose(set);
    H5Sclose(space);
  }
  const hid_t group = H5Gcreate2(file, "labels", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  std::vector<int64_t> labels(label_rows);
  for (size_t i = 0; i < labels.size(); ++i) labels[i] = static_cast<int64_t>(i % 3);
  const hid_t space = H5Screate_simple(1, &label_rows, nullptr);
  const hid_t set = H5Dcreate2(group, "mod3", H5T_STD_I64LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  H5Dwrite(set, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, labels.data());
  H5Dclose(set);
  H5Sclose(space);
  H5Gclose(group);
  H5Fclose(file);
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
