#include <gtest/gtest.h>

#include "fixtures.hpp"
#include "infobound/estimate/soft_assign.hpp"

namespace est = infobound::estimate;

// soft_h's torch backend draws W with torch.randn on a CPU generator seeded with `seed`, then
// F.normalize. The first values for seed 0 are pinned so a change of RNG path cannot pass unseen.
TEST(ReferencePoints, FirstValuesForSeedZeroArePinned) {
  const at::Tensor w = est::reference_points(100, 64, 0);
  ASSERT_EQ(w.scalar_type(), at::kFloat);
  const double expected[] = {-0.134501650929451, -0.13766998052597046, -0.029936080798506737, -0.05183456093072891};
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(w[0][i].item<double>(), expected[i], 2e-7) << i;
  EXPECT_NEAR(w.norm(2, {1}).sub(1.0).abs().max().item<double>(), 0.0, 1e-6);
}

// The raw draw must equal torch's draw bit for bit under one of the two ATen CPU capabilities.
TEST(ReferencePoints, EqualTorchDrawsOfEveryRecordedShapeAndSeed) {
  SKIP_WITHOUT_FIXTURES();
  FixtureFile file(fixture_path("soft_entropy/reference_points_torch_cpu.h5"));
  for (const auto& group : file.children("/")) {
    SCOPED_TRACE(group);
    const int64_t n = file.attr_int(group + "/n_bins"), d = file.attr_int(group + "/d"), seed = file.attr_int(group + "/seed");
    const at::Tensor ours = est::reference_points(n, d, seed);
    const at::Tensor avx2 = file.tensor(group + "/raw_avx2");
    const at::Tensor plain = file.tensor(group + "/raw_default");
    const at::Tensor normalised_avx2 = avx2 / avx2.norm(2, {1}, true).clamp_min(1e-12);
    const at::Tensor normalised_plain = plain / plain.norm(2, {1}, true).clamp_min(1e-12);
    EXPECT_TRUE(at::equal(ours, normalised_avx2) || at::equal(ours, normalised_plain));
  }
}

TEST(SoftAssign, RowsAreDistributionsAndZeroRowsAreUniform) {
  const est::SoftAssigner assigner(est::reference_points(10, 8, 3), 0.1);
  at::Tensor z = at::randn({5, 8});
  z[2].zero_();
  const at::Tensor p = assigner.assign(z);
  EXPECT_NEAR((p.sum(1) - 1).abs().max().item<double>(), 0.0, 1e-6);
  EXPECT_NEAR((p[2] - 0.1).abs().max().item<double>(), 0.0, 1e-7);
}

TEST(SoftAssign, IsScaleInvariantAndRejectsWrongWidth) {
  const est::SoftAssigner assigner(est::reference_points(16, 8, 0), 0.05, at::kDouble);
  const at::Tensor z = at::randn({4, 8}, at::kDouble);
  EXPECT_TRUE(at::allclose(assigner.assign(z), assigner.assign(z * 1000.0), 0, 1e-12));
  EXPECT_THROW(assigner.assign(at::randn({4, 7})), std::exception);
}
