#include <gtest/gtest.h>

#include "infobound/core/plan.hpp"

using namespace infobound;

namespace {
PlanUnit unit(const std::string& model, const std::string& checkpoint, const std::string& digest) {
  PlanUnit u;
  u.model = model;
  u.checkpoint = checkpoint;
  u.weights_digest = digest;
  return u;
}
}  // namespace

TEST(IdenticalCheckpoints, GroupsEqualDigestsWithinOneModelOnly) {
  Plan plan;
  plan.units = {unit("a", "step1", "d1"), unit("a", "step1", "d1"),  // two shards of one checkpoint
                unit("a", "step2", "d2"), unit("a", "main", "d1"),  unit("b", "main", "d1"),
                unit("b", "x", ""),       unit("b", "y", "")};  // digests not computed
  const auto identical = identical_checkpoints(plan);
  ASSERT_EQ(identical.size(), 1u);
  EXPECT_EQ(identical[0].model, "a");
  EXPECT_EQ(identical[0].checkpoints, (std::vector<std::string>{"step1", "main"}));
  EXPECT_EQ(describe(identical[0]), "model a: checkpoints step1, main have identical weights (weights digest d1)");
}

TEST(IdenticalCheckpoints, DigestSurvivesThePlanFile) {
  Plan plan;
  plan.units = {unit("a", "step1", "abc")};
  const Plan back = plan_from_json(plan_to_json(plan), "plan.json");
  EXPECT_EQ(back.units.at(0).weights_digest, "abc");
}
