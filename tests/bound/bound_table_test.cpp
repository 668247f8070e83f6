#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "infobound/bound/bound_table.hpp"
#include "infobound/core/error.hpp"
#include "run_directory_fixture.hpp"

TEST(BoundTable, CsvRoundTripKeepsCurvesAndNormalisation) {
  const auto dir = infobound::testing::fresh_directory("bound_table");
  infobound::bound::OrderCurve curve;
  curve.tokenizer_id = "gpt2";
  curve.order = 2;
  curve.n_bins = 100;
  curve.points = {{0, 0, 0}, {1.5, 0.4, 0.2}, {9, 1.1, 0.35}};
  curve.h_x = 3.2;
  curve.h_y = 2.9;
  curve.i_xy = 0.5;
  curve.n_contexts = 1234;
  curve.context_cap = 1000;
  infobound::bound::write_bound_csv(dir / "bound.csv", {curve});
  const auto table = infobound::io::CsvTable::read(dir / "bound.csv");
  EXPECT_EQ(table.header(), infobound::bound::bound_csv_columns());
  EXPECT_NEAR(*table.number(2, table.column("I_TY_norm")), 0.35 / std::log(100.0), 1e-15);
  const auto back = infobound::bound::read_bound_csv(dir / "bound.csv");
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].n_bins, 100);
  EXPECT_EQ(back[0].n_contexts, 1234);
  ASSERT_EQ(back[0].points.size(), 3u);
  EXPECT_EQ(back[0].points[2].i_ty, 0.35);
  EXPECT_EQ(back[0].points[1].beta, 1.5);
}

TEST(BoundTable, GapAndRatioFollowTheCurveAtTheModelsComplexity) {
  infobound::bound::OrderCurve curve;
  curve.tokenizer_id = "tok";
  curve.order = 1;
  curve.n_bins = 10;
  const double unit = std::log(10.0);
  curve.points = {{0, 0, 0}, {2, 0.5 * unit, 0.3 * unit}};  // normalised: (0.5, 0.3)
  infobound::io::CsvTable rows(infobound::testing::metrics_columns());
  std::vector<std::string> row(rows.header().size());
  row[rows.column("tokenizer_id")] = "tok";
  row[rows.column("complexity_1")] = "0.25";
  row[rows.column("expressivity_1")] = "0.1";
  rows.add_row(row);
  row[rows.column("tokenizer_id")] = "other";
  rows.add_row(row);
  auto view = infobound::io::MetricsTable::from(rows);
  const auto summary = infobound::bound::add_bound_columns(view, {curve});
  const infobound::io::CsvTable& metrics = view.table();
  EXPECT_EQ(summary.rows_filled, 1);
  ASSERT_EQ(summary.tokenizers_missing.size(), 1u);
  EXPECT_EQ(summary.tokenizers_missing[0], "other");
  EXPECT_NEAR(*metrics.number(0, metrics.column("bound_gap_1")), 0.15 - 0.1, 1e-15);
  EXPECT_NEAR(*metrics.number(0, metrics.column("bound_ratio_1")), 0.1 / 0.15, 1e-15);
  EXPECT_FALSE(metrics.number(0, metrics.column("bound_gap_2")));  // no value for order 2
  EXPECT_FALSE(metrics.number(1, metrics.column("bound_gap_1")));
}

TEST(BoundTable, MalformedBoundCsvNamesFileAndLine) {
  const auto dir = infobound::testing::fresh_directory("bound_table_bad");
  std::ofstream(dir / "bound.csv")
      << "tokenizer_id,order,point,beta,I_XT,I_TY,I_XT_norm,I_TY_norm,H_X,H_Y,I_XY,n_contexts,context_cap\n"
         "t,1,0,0,0,0,0,0,1,1,0.5,3,0\n"
         "t,1,1,2,abc,0.1,0.1,0.1,1,1,0.5,3,0\n";
  try {
    infobound::bound::read_bound_csv(dir / "bound.csv");
    FAIL();
  } catch (const infobound::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("bound.csv:3"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("'I_XT'"), std::string::npos) << e.what();
  }
}
