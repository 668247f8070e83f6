#pragma once
// The training-dynamics reading of one model: the shape of its complexity, expressivity and
// held-out loss over checkpoints (lib/report/src/curve_shape.hpp), and whether its late
// checkpoints compress (complexity falls while expressivity holds or rises), decided from the
// numbers with the same tolerance, never assumed.
#include <string>
#include <vector>

#include "run_metrics.hpp"

namespace infobound::report {

enum class LateVerdict { compresses, both_fall, expands, holds, too_short };

struct ModelDynamics {
  std::string text;
  LateVerdict verdict = LateVerdict::too_short;
};

// `checkpoints`: one model's checkpoints with tokens > 0, sorted by tokens (the plotted points);
// `initial`: its step-0 checkpoint, or null.
ModelDynamics describe_model_dynamics(const std::vector<const Trajectory*>& checkpoints, const Trajectory* initial, int order);

// One sentence over the models of a family: how many compress late, and which do not.
std::string late_compression_summary(const std::vector<std::pair<std::string, LateVerdict>>& verdicts);

}  // namespace infobound::report
